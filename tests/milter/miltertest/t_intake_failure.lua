-- The queue cannot store the message: tempfail, nothing deleted.
dofile(dir .. "/common.lua")
local conn = send{ id = "DISK1", rcpts = { {"<x@diskfull.test>", "smtp"}, {"<y@insecure.test>", "smtp"} } }
check(mt.getreply(conn) == SMFIR_REPLYCODE, "EOM answered with a reply code")
check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0", "Local problem storing the message, try again later"), "451 4.3.0")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<x@diskfull.test>"), "x@diskfull.test kept")
mt.disconnect(conn)
