-- Shared steps of the miltertest scripts: one message through the milter.
-- Globals from the runner: port, spool, dir.

function check(cond, what)
    if not cond then error("FAILED: " .. what) end
end

function ok(result, what)
    if result ~= nil then error("FAILED: " .. what .. ": " .. tostring(result)) end
end

-- m = { id = "QID", from = "<a@a.test>", mail_args = {...}, login = "alice",
--       daemon = "NAME", rcpts = { {"<x@sec.test>", "smtp"}, ... },
--       headers = { {"From", "alice@a.test"}, ... }, body = "..." }
-- Returns the connection after end-of-message.
function send(m)
    local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
    check(conn ~= nil, "connect")
    if m.daemon then
        mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", m.daemon)
    end
    ok(mt.conninfo(conn, "localhost", "127.0.0.1"), "conninfo")
    ok(mt.helo(conn, "client.a.test"), "helo")
    mt.macro(conn, SMFIC_MAIL, "i", m.id, "{auth_authen}", m.login or "")
    ok(mt.mailfrom(conn, m.from or "<alice@a.test>", table.unpack(m.mail_args or {})), "mailfrom")
    check(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL answered continue")
    for _, r in ipairs(m.rcpts) do
        mt.macro(conn, SMFIC_RCPT, "{rcpt_mailer}", r[2])
        ok(mt.rcptto(conn, r[1]), "rcptto " .. r[1])
        check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT answered continue")
    end
    local headers = m.headers or { {"From", "Alice <alice@a.test>"}, {"Subject", "test"} }
    for _, h in ipairs(headers) do
        ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
    end
    -- No mt.eoh: the milter negotiates SMFIP_NOEOH (it has no use for the
    -- end of the header), and miltertest then refuses to send one, as
    -- Postfix and Sendmail do not send it. Header fields and body chunks
    -- get no reply (SMFIP_NR_HDR, SMFIP_NR_BODY): a stray reply would make
    -- the next step read the wrong answer and fail.
    ok(mt.bodystring(conn, m.body or "Hello.\r\n"), "body")
    ok(mt.eom(conn), "eom")
    return conn
end

-- What the test Intake wrote for MTA queue id `id`, or nil.
function queued(id)
    local f = io.open(spool .. "/" .. id .. ".txt", "rb")
    if f == nil then return nil end
    local text = f:read("a")
    f:close()
    return text
end

function contains(text, part)
    return text ~= nil and string.find(text, part, 1, true) ~= nil
end
