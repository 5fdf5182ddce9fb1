-- Alert MCPHighErrorRate, from Analytics Engine: more than 10% of the executions of the last 5 minutes failed (the
-- Prometheus rule's threshold and window, ops/alerts/prometheus-rules.yml). Fires when `firing` is 1. For the
-- error codes behind it, group the same rows by blob6.
SELECT
  sum(_sample_interval) AS executions,
  sumIf(_sample_interval, blob5 = 'error') AS errors,
  sumIf(_sample_interval, blob5 = 'error') / sum(_sample_interval) AS error_share,
  if(sumIf(_sample_interval, blob5 = 'error') > 0.1 * sum(_sample_interval), 1, 0) AS firing
FROM xiaozhi_mcp_service
WHERE blob1 = 'execute'
  AND timestamp > NOW() - INTERVAL '5' MINUTE
FORMAT JSON
