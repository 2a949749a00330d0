// One MTA connection's state: the message in progress, its recipients and
// their pending verdicts. Held through smfi_setpriv from connect to close.
//
// Why a class apart from the callbacks: the callbacks only translate between
// C and this object (and catch every exception); the order of events of a
// message lives here.
#pragma once

#include <libmilter/mfapi.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "milter/decision.h"
#include "milter/message_builder.h"
#include "milter/requirement.h"
#include "milter/settings.h"

namespace smtpsec::milter {

class Milter;

class Session {
public:
    Session(Milter& milter, bool leading_space_kept);

    void connect(SMFICTX* ctx, std::string client_name, std::string client_address);
    sfsistat helo(std::string name);
    sfsistat mail(SMFICTX* ctx, char** argv);
    sfsistat rcpt(SMFICTX* ctx, char** argv);
    sfsistat header(SMFICTX* ctx, const char* name, const char* value);
    sfsistat body(SMFICTX* ctx, const unsigned char* chunk, std::size_t length);
    sfsistat eom(SMFICTX* ctx);
    void abort();
    // The answer to an exception, per on_internal_error.
    sfsistat internal_error(SMFICTX* ctx, const std::string& what);

private:
    struct PendingRecipient {
        RecipientFacts facts;
        std::shared_ptr<PendingVerdict> pending;
    };
    struct Message {
        std::shared_ptr<const MilterSettings> settings;
        std::string sender;
        std::string login;
        std::string queue_id;
        SecurityRequirement requirement;
        std::vector<PendingRecipient> recipients;
        std::unique_ptr<MessageBuilder> builder;
    };

    std::string ids() const;  // "QUEUEID: " for log lines
    // The forward service's end of message (session_forward.cc): a copy
    // with a believed marker. nullopt: not one; the ordinary path goes on.
    std::optional<sfsistat> forward_eom(SMFICTX* ctx, const MessageFacts& facts, const std::string& received,
                                        std::string& head);
    sfsistat answer(SMFICTX* ctx, const Decision& decision);

    Milter& milter_;
    bool leading_space_kept_;
    std::string daemon_name_;
    std::string my_name_;  // {j}
    std::string client_name_;
    std::string client_address_;
    std::string helo_;
    std::unique_ptr<Message> message_;
};

}  // namespace smtpsec::milter
