-- mcp_tool_execution_total in Analytics Engine: executions per minute over the last hour, by tool and status.
-- Each row counts the executions a point stands for (_sample_interval), so the figures hold when points are sampled.
-- Run: curl "https://api.cloudflare.com/client/v4/accounts/$ACCOUNT_ID/analytics_engine/sql" \
--        -H "Authorization: Bearer $CF_API_TOKEN" --data-binary @ops/analytics/executions.sql
SELECT
  intDiv(toUInt32(timestamp), 60) * 60 AS minute,
  blob2 AS tool_name,
  blob5 AS status,
  sum(_sample_interval) AS executions
FROM xiaozhi_mcp_service
WHERE blob1 = 'execute'
  AND timestamp > NOW() - INTERVAL '1' HOUR
GROUP BY minute, tool_name, status
ORDER BY minute, tool_name, status
FORMAT JSON
