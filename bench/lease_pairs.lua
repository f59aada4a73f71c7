-- acquire -> release pairs: POST /v1/leases, then DELETE the id it returned.
local pending = {}
local token = os.getenv("BENCH_TOKEN") or ""

request = function()
  local id = table.remove(pending)
  local headers = {["Authorization"] = "Bearer " .. token,
                   ["Content-Type"] = "application/json"}
  if id then
    return wrk.format("DELETE", "/v1/leases/" .. id, headers)
  end
  return wrk.format("POST", "/v1/leases", headers,
    '{"target":"platform","kind":"bench","holder":"wrk","ttl_s":600}')
end

response = function(status, headers, body)
  if status == 201 then
    local id = string.match(body, '"id":"([^"]+)"')
    if id then table.insert(pending, id) end
  end
end
