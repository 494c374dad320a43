"""What the bench serves besides the portal: the minimal view (bench/web/views.py), the yardstick every page's
throughput is divided by. Bench-only: the portal's own URLconf never includes it."""
