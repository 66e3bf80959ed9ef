-- The load for benchmarks/monitoring_check_ins.py, sent by wrk (a second process, in C, so
-- the load generator takes little of the two cores the server shares with it).
--
--   wrk -s benchmarks/monitoring_wrk.lua URL -- SCENARIO PEOPLE_FILE TOKEN BASE BUNDLE_SIZE DELAY_MS THREADS
--
-- SCENARIO: `bare` (a small body to the benchmark's endpoint that inserts one row), `single`
-- (one heart-failure check-in, a QuestionnaireResponse with its own Idempotency-Key, as a
-- device gateway sends them) or `bundle` (a batch Bundle of BUNDLE_SIZE check-ins of
-- different people). PEOPLE_FILE holds the enrolled people's ids, one a line; each of the
-- THREADS wrk threads takes its own share of them, so no two check-ins are of one person on one day:
-- each person checks in today, then yesterday (readings sent late). DELAY_MS paces each
-- connection (a steady rate in all), 0 as fast as answered. Well people's readings; one in
-- ten is more breathless than usual (amber), so one in ten raises an alert.
-- `done` prints one JSON line: requests, seconds, refused (answers or Bundle entries that were
-- not 200/201), socket errors and the latency percentiles in milliseconds.

local threads = {}

function setup(thread)
  -- Each thread's own number (a global in its Lua state), for its share of the people.
  thread:set("number", #threads)
  table.insert(threads, thread)
end

local scenario, token, breathless_system
local people = {}
local bundle_size, delay_ms
local next_person, days_ago, sent = 1, 0, 0
-- A global, so that `done` can read each thread's count (thread:get).
refused = 0

function init(args)
  scenario = args[1]
  token = args[3]
  breathless_system = args[4] .. "/fhir/CodeSystem/heart-failure-breathless"
  bundle_size = tonumber(args[5] or "1000")
  delay_ms = tonumber(args[6] or "0")
  local thread_count = tonumber(args[7] or "1")
  local position = 0
  for line in io.lines(args[2]) do
    if position % thread_count == number then
      table.insert(people, line)
    end
    position = position + 1
  end
  math.randomseed(os.time() * 1000 + number)
end

local function random_key()
  return string.format("%08x-%04x-4%03x-a%03x-%06x%06x", math.random(0, 0xffffffff),
    math.random(0, 0xffff), math.random(0, 0xfff), math.random(0, 0xfff),
    math.random(0, 0xffffff), math.random(0, 0xffffff))
end

local function next_check_in()
  if next_person > #people then
    next_person, days_ago = 1, days_ago + 1
  end
  local person = people[next_person]
  next_person = next_person + 1
  sent = sent + 1
  local breathless = (sent % 10 == 0) and "more_than_usual" or "no"
  local taken = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - days_ago * 86400 - 60)
  return string.format(
    '{"resourceType":"QuestionnaireResponse","questionnaire":"Questionnaire/heart-failure",' ..
    '"status":"completed","subject":{"reference":"Patient/%s"},"authored":"%s","item":[' ..
    '{"linkId":"weight_kg","answer":[{"valueDecimal":%.1f}]},' ..
    '{"linkId":"breathless","answer":[{"valueCoding":{"system":"%s","code":"%s"}}]},' ..
    '{"linkId":"ankles_more_swollen","answer":[{"valueBoolean":false}]},' ..
    '{"linkId":"more_pillows","answer":[{"valueBoolean":false}]},' ..
    '{"linkId":"dizzy","answer":[{"valueBoolean":false}]}]}',
    person, taken, 70 + (sent % 300) / 10, breathless_system, breathless)
end

function request()
  if scenario == "bare" then
    sent = sent + 1
    return wrk.format("POST", "/bench/row", {["Content-Type"] = "application/json"},
      string.format('{"n":%d}', sent))
  end
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/fhir+json",
    ["Idempotency-Key"] = random_key(),
  }
  if scenario == "single" then
    return wrk.format("POST", "/api/monitoring/fhir/QuestionnaireResponse", headers,
      next_check_in())
  end
  local entries = {}
  for index = 1, bundle_size do
    entries[index] = string.format(
      '{"fullUrl":"urn:uuid:%s","resource":%s,"request":{"method":"POST",' ..
      '"url":"QuestionnaireResponse"}}', random_key(), next_check_in())
  end
  return wrk.format("POST", "/api/monitoring/fhir", headers,
    '{"resourceType":"Bundle","type":"batch","entry":[' .. table.concat(entries, ",") .. ']}')
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  if status ~= 200 and status ~= 201 then
    refused = refused + 1
  elseif scenario == "bundle" then
    -- Each entry's status is "201 Created" or "200 OK" when stored.
    for _ in string.gmatch(body, '"status":"[45]') do
      refused = refused + 1
    end
  end
end

function done(summary, latency, requests)
  local refused_in_all = 0
  for _, thread in ipairs(threads) do
    refused_in_all = refused_in_all + thread:get("refused")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"refused":%d,"socket_errors":%d,' ..
    '"p50_ms":%.1f,"p90_ms":%.1f,"p99_ms":%.1f,"max_ms":%.1f}\n',
    summary.requests, summary.duration / 1e6, refused_in_all,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
