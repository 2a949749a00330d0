// Tells systemd (Type=notify) when smtpsecd is ready, reloading or
// stopping, by the sd_notify(3) protocol: one datagram to the Unix socket
// named in $NOTIFY_SOCKET. Without it, `systemctl start` returns as soon as
// the process exists, before the milter socket listens, and a start-up
// failure a moment later is not reported by the command that started it.
// Written here rather than linking libsystemd for three short messages.
// Outside systemd ($NOTIFY_SOCKET unset) it does nothing.
#pragma once

#include <string_view>

namespace smtpsec::daemon {

// Sends `state` (e.g. "READY=1", "RELOADING=1", "STOPPING=1"); errors are
// ignored, as sd_notify's are.
void notify_service_manager(std::string_view state);

}  // namespace smtpsec::daemon
