// Which envelope senders and From addresses each authenticated login may use
// (seed arpa2-submission-and-incoming: "sending mail on behalf of").
//
// Why: a submission server that signs every mail of a domain must not let
// alice sign as bob. The MTA authenticates the user (SASL or a client
// certificate); this file says what that user may claim to be.
//
// File format (UTF-8 text, one rule per line, '#' starts a comment, tokens
// separated by spaces or tabs, a token may be written in double quotes to
// hold spaces, e.g. a certificate subject):
//
//   # login              addresses it may use
//   alice                alice@a.test  postmaster@a.test
//   bob@a.test           @a.test              # any address of a.test
//   "CN=carol,O=A"       carol@a.test
//   # a shared (group or role) address and the logins that may use it
//   shared sales@a.test  alice bob
//
// An address is "local@domain" (that address, case-insensitive) or
// "@domain" (every address in the domain). A login may appear on one login
// line only; "shared" lines add to any login, listed elsewhere or not. To
// name a login that is literally "shared", quote it: "shared".
//
// Logins are compared lowercase. Postfix may append a realm to the SASL
// login ("bob@a.test") where Sendmail gives the bare name ("bob"), so:
// a login is looked up exactly first; "bob@realm" not found falls back to
// the entry "bob"; a bare "bob" not found falls back to the single entry
// "bob@realm" when exactly one such entry exists (never a guess between two
// realms).
//
// The null envelope sender is always allowed (it claims no identity); the
// From address is always checked.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "smtpsec/expected.h"

namespace smtpsec::milter {

class SenderPolicy {
public:
    // Lowercased; what `login` maps to in the file, or "" if not listed.
    std::string find_login(std::string_view login) const;
    // Whether `login` (as given by the MTA) may use `address` (bare addr-spec).
    bool may_use(std::string_view login, std::string_view address) const;
    bool empty() const { return grants_.empty(); }

    // Used by the parser.
    void grant(const std::string& login, const std::string& address_or_domain);

private:
    // login (normalised) -> addresses ("a@b") and domains ("@b"), lowercase.
    std::map<std::string, std::set<std::string>> grants_;
};

// Lowercase; surrounding white space removed.
std::string normalise_login(std::string_view login);

// Problems as "NAME:LINE: reason", all of them, in line order.
Expected<SenderPolicy, std::vector<std::string>> parse_sender_policy(std::string_view text,
                                                                     std::string_view name);
Expected<SenderPolicy, std::vector<std::string>> load_sender_policy(const std::string& path);

}  // namespace smtpsec::milter
