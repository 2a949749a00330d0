// Internationalised domain names (IDNA2008 via libidn2) for origin
// authentication and discovery.
//
// Why: an RFC 6532 From field may carry its domain in U-labels
// ("bücher.example"), but DNS names, SRVNames and certificate names are in
// A-labels ("xn--bcher-kva.example"). Every lookup and comparison of
// docs/decisions.md point 22 therefore uses the lowercased A-label form, so the
// same domain written either way is authenticated the same way.
#pragma once

#include <string>
#include <string_view>

#include "imf/error.h"
#include "smtpsec/expected.h"

namespace smtpsec::imf {

// The domain in lowercased A-label form. ASCII input is only lowercased (it
// is already what DNS uses); non-ASCII input is converted with UTS #46
// non-transitional processing and NFC. A label that is not a valid IDN
// (disallowed code points, bad bidi, invalid UTF-8...) is refused with
// libidn2's reason.
Expected<std::string, ImfError> domain_to_a_label(std::string_view domain);

// domain_to_a_label, then the result must be a host name (RFC 5321 Domain,
// RFC 1123): labels of 1-63 letters, digits and inner hyphens, at most 253
// octets in all. Why: a From domain is looked up in DNS and compared with
// certificate names; one that cannot be a host name ("a!b.test", "-x.test",
// an empty label) is refused outright as unauthenticable (decision D3), not
// sent to the resolver, whose failure would read as a temporary error.
Expected<std::string, ImfError> host_a_label(std::string_view domain);

}  // namespace smtpsec::imf
