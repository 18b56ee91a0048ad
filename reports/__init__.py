"""Statistics, Excel workbooks built by RQ jobs, dashboards, the JSON API and open data."""
