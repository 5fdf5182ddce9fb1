-- mcp_tool_execution_duration_seconds in Analytics Engine: the p50 and p95 execution time (ms) per minute over the
-- last hour, every point weighted by the executions it stands for (_sample_interval).
SELECT
  intDiv(toUInt32(timestamp), 60) * 60 AS minute,
  sum(_sample_interval) AS executions,
  quantileExactWeighted(0.5)(double1, _sample_interval) AS p50_ms,
  quantileExactWeighted(0.95)(double1, _sample_interval) AS p95_ms
FROM xiaozhi_mcp_service
WHERE blob1 = 'execute'
  AND timestamp > NOW() - INTERVAL '1' HOUR
GROUP BY minute
ORDER BY minute
FORMAT JSON
