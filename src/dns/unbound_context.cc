// Set-up and start-up checks of the libunbound context (see unbound_context.h).
#include "dns/unbound_context.h"

#include <unbound.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace smtpsec::dns {
namespace {

void check(int status, const std::string& what) {
    if (status != 0) throw ConfigError(what + ": " + ub_strerror(status));
}

std::string get_option(ub_ctx* ctx, const char* option) {
    char* value = nullptr;
    if (ub_ctx_get_option(ctx, option, &value) != 0 || value == nullptr) return {};
    std::string text(value);
    std::free(value);
    return text;
}

bool has_text(const std::string& s) { return s.find_first_not_of(" \t\r\n") != std::string::npos; }

void require_readable(const std::string& path, const char* what) {
    std::ifstream file(path);
    if (!file) throw ConfigError(std::string(what) + " " + path + ": cannot be read");
}

}  // namespace

void UbContextDeleter::operator()(ub_ctx* ctx) const noexcept { ub_ctx_delete(ctx); }

UbContext make_unbound_context(const ResolverConfig& config) {
    UbContext ctx(ub_ctx_create());
    if (!ctx) throw ConfigError("libunbound: cannot create a context");
    // A thread, not a forked process: the answers come back through ub_fd().
    check(ub_ctx_async(ctx.get(), 1), "libunbound async mode");

    if (!config.unbound_config.empty()) {
        require_readable(config.unbound_config, "unbound config");
        check(ub_ctx_config(ctx.get(), config.unbound_config.c_str()),
              "unbound config " + config.unbound_config);
    }
    if (!config.trust_anchor_file.empty()) {
        require_readable(config.trust_anchor_file, "trust anchor file");
        check(ub_ctx_add_ta_file(ctx.get(), config.trust_anchor_file.c_str()),
              "trust anchor file " + config.trust_anchor_file);
    }
    if (!config.forwarders.empty()) {
        // The admin chose these servers; they may well be on loopback.
        check(ub_ctx_set_option(ctx.get(), "do-not-query-localhost:", "no"), "do-not-query-localhost");
        for (const auto& forwarder : config.forwarders) {
            check(ub_ctx_set_fwd(ctx.get(), forwarder.c_str()), "forwarder " + forwarder);
        }
    }

    // Refuse set-ups in which "insecure" would not mean "provably unsigned".
    if (get_option(ctx.get(), "module-config").find("validator") == std::string::npos) {
        throw ConfigError("DNSSEC validation is disabled (module-config has no validator)");
    }
    if (get_option(ctx.get(), "val-permissive-mode") == "yes") {
        throw ConfigError("val-permissive-mode would turn bogus answers into insecure ones");
    }
    if (!has_text(get_option(ctx.get(), "trust-anchor-file")) &&
        !has_text(get_option(ctx.get(), "trust-anchor")) &&
        !has_text(get_option(ctx.get(), "auto-trust-anchor-file")) &&
        !has_text(get_option(ctx.get(), "trusted-keys-file"))) {
        throw ConfigError("no DNSSEC trust anchor configured: every answer would look insecure");
    }

    // libunbound reads its configuration and the anchors lazily, at the first
    // lookup; a broken anchor file would then fail every lookup. Removing a
    // local zone that does not exist is the public call that finalizes the
    // context now, so errors surface here, at start-up.
    check(ub_ctx_zone_remove(ctx.get(), "smtpsec-startup-check.invalid."), "libunbound set-up");
    return ctx;
}

}  // namespace smtpsec::dns
