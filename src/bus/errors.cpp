#include "bus/errors.hpp"

#include <cerrno>

#include "bus/wire.hpp"
#include "config/loader.hpp"

namespace berth::bus {

namespace {

const sd_bus_error_map kBerthErrors[] = {
    SD_BUS_ERROR_MAP(kErrorNoSuchContainer, ENOENT),
    SD_BUS_ERROR_MAP(kErrorContainerExists, EEXIST),
    SD_BUS_ERROR_MAP(kErrorInvalidConfig, EINVAL),
    SD_BUS_ERROR_MAP(kErrorInvalidState, EBUSY),
    SD_BUS_ERROR_MAP(kErrorPermissionDenied, EPERM),
    SD_BUS_ERROR_MAP(kErrorFailed, EIO),
    SD_BUS_ERROR_MAP_END,
};

}  // namespace

const char* ApiErrorName(ApiErrorKind kind) {
    switch (kind) {
    case ApiErrorKind::NoSuchContainer: return kErrorNoSuchContainer;
    case ApiErrorKind::ContainerExists: return kErrorContainerExists;
    case ApiErrorKind::InvalidConfig: return kErrorInvalidConfig;
    case ApiErrorKind::InvalidState: return kErrorInvalidState;
    case ApiErrorKind::PermissionDenied: return kErrorPermissionDenied;
    case ApiErrorKind::Failed: break;
    }
    return kErrorFailed;
}

BusErrorText DescribeException(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const ApiError& e) {
        return {ApiErrorName(e.Kind()), e.what()};
    } catch (const config::ConfigError& e) {
        return {ApiErrorName(ApiErrorKind::InvalidConfig), e.what()};
    } catch (const std::exception& e) {
        return {ApiErrorName(ApiErrorKind::Failed), e.what()};
    } catch (...) {
        return {ApiErrorName(ApiErrorKind::Failed), "unknown error"};
    }
}

void RegisterErrorMap() {
    // Only fails on allocation failure; the names then map to EIO, which is still correct.
    (void)sd_bus_error_add_map(kBerthErrors);
}

}  // namespace berth::bus
