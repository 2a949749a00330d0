-- Sender policy: alice may not use bob's From (5.7.1); bob (realm added by
-- the MTA or not) may use any a.test address; alice may use the shared one.
dofile(dir .. "/common.lua")
local conn = send{ id = "POL1", login = "alice", rcpts = { {"<x@sec.test>", "smtp"} },
                   headers = { {"From", "bob@a.test"} } }
check(mt.getreply(conn) == SMFIR_REPLYCODE, "EOM answered with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Login alice may not use From address bob@a.test"),
      "5.7.1 with the reason")
check(queued("POL1") == nil, "nothing queued")
mt.disconnect(conn)

conn = send{ id = "POL2", login = "Bob", from = "<anyone@a.test>", rcpts = { {"<x@sec.test>", "smtp"} },
             headers = { {"From", "bob@a.test"} } }
check(mt.getreply(conn) == SMFIR_DISCARD, "bob allowed")
check(contains(queued("POL2"), "login=bob\n"), "login recorded")
mt.disconnect(conn)

conn = send{ id = "POL3", login = "alice@a.test", from = "<sales@a.test>", rcpts = { {"<x@sec.test>", "smtp"} },
             headers = { {"From", "alice@a.test"} } }
check(mt.getreply(conn) == SMFIR_DISCARD, "alice may use the shared sender")
mt.disconnect(conn)
