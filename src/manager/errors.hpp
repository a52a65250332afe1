#pragma once
// The Manager's error kinds, so callers (berthd's D-Bus errors, berthctl's messages) can tell them apart.
#include "util/error.hpp"

namespace berth::manager {

// No state directory for the name.
class NoSuchContainer : public Error {
public:
    using Error::Error;
};

// A container of that name already exists (running, stopped or being created).
class ContainerExists : public Error {
public:
    using Error::Error;
};

// The operation does not fit the container's status (rm of a running one without force, exec in a
// stopped one, resume of a running one).
class InvalidState : public Error {
public:
    using Error::Error;
};

// The state file is unreadable or malformed; what() names the file.
class CorruptState : public Error {
public:
    using Error::Error;
};

}  // namespace berth::manager
