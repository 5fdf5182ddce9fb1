-- Alert MCPServiceDown, from Analytics Engine: nothing written (no execution, bind, unbind or expiry) in the last
-- 5 minutes after traffic in the hour before. Analytics Engine sees only what the service writes, so this finds a
-- service that stopped answering its gateways, not one that is idle; Prometheus's `up` (ops/alerts) is the direct
-- check. Fires when the row's `firing` is 1.
SELECT
  sumIf(_sample_interval, timestamp > NOW() - INTERVAL '5' MINUTE) AS last_5m,
  sumIf(_sample_interval, timestamp <= NOW() - INTERVAL '5' MINUTE) AS hour_before,
  if(
    sumIf(_sample_interval, timestamp > NOW() - INTERVAL '5' MINUTE) = 0
      AND sumIf(_sample_interval, timestamp <= NOW() - INTERVAL '5' MINUTE) > 0,
    1, 0
  ) AS firing
FROM xiaozhi_mcp_service
WHERE timestamp > NOW() - INTERVAL '65' MINUTE
FORMAT JSON
