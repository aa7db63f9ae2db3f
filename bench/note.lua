-- wrk script for bench/run.sh: add a note to a call, then delete it.
-- Usage: wrk ... -s bench/note.lua URL -- CALL_ID   (URL ends in /api/v1; the call has no
-- notes of its own). Each response answers the whole Call: the newest note is the last
-- "id" inside "notes". A note id seen for the first time is queued for deletion; the next
-- request deletes a queued note, or posts a new one when none is queued.
local call_id
local queue = {}
local head, tail = 1, 0
local seen = {}
local post_body = '{"content":"bench note","flagged":false}'

function init(args)
  call_id = args[1]
end

function request()
  if head <= tail then
    local note = queue[head]
    queue[head] = nil
    head = head + 1
    return wrk.format("DELETE", wrk.path .. "/calls/" .. call_id .. "/notes/" .. note, nil, nil)
  end
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["content-type"] = "application/json"
  return wrk.format("POST", wrk.path .. "/calls/" .. call_id .. "/notes", headers, post_body)
end

-- Plain `find`s, not patterns: matching a pattern over each 2-4 KB body took wrk's whole core
-- at 11,000 responses a second, so wrk, not the server, set the rate (bench/README.md).
-- Note objects hold no arrays, so the first "]" after "notes":[ ends the list (the bench's
-- note content has none either).
function response(status, headers, body)
  if status ~= 200 and status ~= 201 then return end
  local _, list_start = body:find('"notes":[', 1, true)
  if not list_start then return end
  local list_end = body:find(']', list_start, true)
  if not list_end then return end
  local last
  local at = list_start
  while true do
    local _, id_start = body:find('"id":"', at, true)
    if not id_start or id_start > list_end then break end
    last = body:sub(id_start + 1, id_start + 24)
    at = id_start + 25
  end
  if last and not seen[last] then
    seen[last] = true
    tail = tail + 1
    queue[tail] = last
  end
end
