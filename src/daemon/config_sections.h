// One reader per section of smtpsecd.conf: its keys, their syntax and range,
// the checks of the files they name, and the rules between keys.
//
// Why it exists: the keys of a section, their limits and their defaults
// (in config.h) are read in one place each, in the order the man page lists them.
#pragma once

#include <string>
#include <vector>

#include "daemon/config.h"
#include "daemon/config_reader.h"

namespace smtpsec::daemon {

// What the readers need besides their table.
struct ReadContext {
    std::string hostname;  // for the defaults that name this host
};

void read_milter(SectionReader& r, MilterConfig& c, Problems& warnings);
// One [[signing]] table; false when it is unusable.
bool read_signing(SectionReader& r, SigningConfig& c, Problems& warnings);
void read_listener(SectionReader& r, ListenerConfig& c, const ReadContext& ctx, Problems& warnings);
void read_reinject(SectionReader& r, ReinjectConfig& c, const ReadContext& ctx);
void read_queue(SectionReader& r, QueueConfig& c, const ReadContext& ctx, Problems& warnings);
void read_dns(SectionReader& r, DnsConfig& c);
void read_tls(SectionReader& r, TlsConfig& c, Problems& warnings);
void read_log(SectionReader& r, LogConfig& c);
void read_daemon(SectionReader& r, DaemonConfig& c);
void read_control(SectionReader& r, ControlConfig& c, Problems& warnings);

}  // namespace smtpsec::daemon
