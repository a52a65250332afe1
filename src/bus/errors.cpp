#include "bus/errors.hpp"

#include <cerrno>

#include "config/loader.hpp"

namespace berth::bus {

namespace {

const sd_bus_error_map kBerthErrors[] = {
    SD_BUS_ERROR_MAP("org.berth1.Error.NoSuchContainer", ENOENT),
    SD_BUS_ERROR_MAP("org.berth1.Error.ContainerExists", EEXIST),
    SD_BUS_ERROR_MAP("org.berth1.Error.InvalidConfig", EINVAL),
    SD_BUS_ERROR_MAP("org.berth1.Error.InvalidState", EBUSY),
    SD_BUS_ERROR_MAP("org.berth1.Error.PermissionDenied", EPERM),
    SD_BUS_ERROR_MAP("org.berth1.Error.Failed", EIO),
    SD_BUS_ERROR_MAP_END,
};

}  // namespace

const char* ApiErrorName(ApiErrorKind kind) {
    switch (kind) {
    case ApiErrorKind::NoSuchContainer: return "org.berth1.Error.NoSuchContainer";
    case ApiErrorKind::ContainerExists: return "org.berth1.Error.ContainerExists";
    case ApiErrorKind::InvalidConfig: return "org.berth1.Error.InvalidConfig";
    case ApiErrorKind::InvalidState: return "org.berth1.Error.InvalidState";
    case ApiErrorKind::PermissionDenied: return "org.berth1.Error.PermissionDenied";
    case ApiErrorKind::Failed: break;
    }
    return "org.berth1.Error.Failed";
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
