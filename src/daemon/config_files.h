// Checks of the files and accounts smtpsecd.conf names, done by load_config
// and so by `smtpsecd -n`.
//
// Why it exists: a config that parses but names a missing key file, a key
// that does not match its certificate, or a CA file that is not one, would
// start a daemon that fails at the first message. Each check loads the file
// the way the daemon will (SigningIdentity, GnuTLS credentials) and returns
// the reason it is unusable, or nothing.
#pragma once

#include <optional>
#include <string>

namespace smtpsec::daemon {

using FileProblem = std::optional<std::string>;

// Exists, is a regular file, and can be opened for reading.
FileProblem check_readable_file(const std::string& path);
// A warning (not a problem) for a private key file others may read or
// write: anyone on the host could then sign or serve TLS as this gateway.
FileProblem private_key_exposed(const std::string& path);

// The directory a local milter socket is created in must exist (the daemon
// does not create it). One directly under /run is accepted while missing:
// /run is emptied at every boot and systemd makes it when it starts the
// unit (RuntimeDirectory=), so an operator's `smtpsecd -n` before the first
// start must not fail on it.
FileProblem check_socket_directory(const std::string& socket_path);

// Exists as a directory, or does not exist but its parent directory does.
FileProblem check_directory_or_parent(const std::string& path);

// A [[signing]] identity: each half is reported on its own key's line, so
// these are separate. check_signing_pair assumes both files load.
FileProblem check_certificate_chain(const std::string& chain_path);
FileProblem check_signing_key(const std::string& key_path);
FileProblem check_signing_pair(const std::string& chain_path, const std::string& key_path);

// The listener's TLS certificate and key, loaded into GnuTLS credentials
// exactly as the listener does (any key type TLS allows); the key must be
// the leaf certificate's, compared by public key id for every key type
// (GnuTLS's own check misses two different Ed25519 keys).
FileProblem check_tls_certificate(const std::string& chain_path);
FileProblem check_tls_pair(const std::string& chain_path, const std::string& key_path);

// A PEM bundle of trusted CA certificates (at least one).
FileProblem check_ca_file(const std::string& path);

// Hook for the CT log list: today JSON with an "operators" array; the tls
// layer's full parse (tls::parse_ct_log_list) is meant to be called here.
FileProblem check_ct_log_list(const std::string& path);

// Accounts named for privilege dropping and the milter socket.
FileProblem check_user(const std::string& name);
FileProblem check_group(const std::string& name);

}  // namespace smtpsec::daemon
