-- wrk script: POST /generate with the body in the file named by WRK_BODY_FILE (bench/generate-request.json).
local path = os.getenv("WRK_BODY_FILE") or "bench/generate-request.json"
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
-- Groundwork needs the key; the peers ignore the header.
if os.getenv("GROUNDWORK_KEY") then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("GROUNDWORK_KEY")
end
