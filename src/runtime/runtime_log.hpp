#pragma once
// runc's --log / --log-format: what conmon and the containerd shim read a runtime's errors from.
// text: time="..." level=error msg="..." (logrus); json: {"level":"error","msg":"...","time":"..."}.
#include <string>

namespace berth::runtime {

// Opens FILE for appending (created 0600 when missing); format is "text" or "json".
// Throws Error when the file cannot be opened or the format is unknown.
void OpenRuntimeLog(const std::string& path, const std::string& format);
// Writes one line at the level ("error", "warning", "info", "debug") to the log file, if open.
void WriteRuntimeLog(const std::string& level, const std::string& message);
// One log line as the format writes it (without the newline).
std::string FormatRuntimeLogLine(const std::string& format, const std::string& level, const std::string& message,
                                 const std::string& time);

}  // namespace berth::runtime
