-- mcp_active_sessions in Analytics Engine, per tenant: new binds (+1) minus unbinds and expiries (-1), from double2,
-- over the dataset's retention (3 months). An estimate: a session bound before the oldest retained point and still
-- bound is not counted, and sampling makes it approximate. The exact gauge is GET /metrics (mcp_active_sessions).
SELECT
  index1 AS tenant,
  sum(_sample_interval * double2) AS active_sessions
FROM xiaozhi_mcp_service
WHERE blob1 IN ('bind', 'unbind', 'expire')
GROUP BY tenant
ORDER BY tenant
FORMAT JSON
