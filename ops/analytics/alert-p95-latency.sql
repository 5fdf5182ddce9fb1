-- Alert MCPHighLatency, from Analytics Engine: the p95 execution time of the last 5 minutes is over 1 s (1000 ms,
-- double1), every point weighted by the executions it stands for. Fires when `firing` is 1.
SELECT
  sum(_sample_interval) AS executions,
  quantileExactWeighted(0.95)(double1, _sample_interval) AS p95_ms,
  if(sum(_sample_interval) > 0 AND quantileExactWeighted(0.95)(double1, _sample_interval) > 1000, 1, 0) AS firing
FROM xiaozhi_mcp_service
WHERE blob1 = 'execute'
  AND timestamp > NOW() - INTERVAL '5' MINUTE
FORMAT JSON
