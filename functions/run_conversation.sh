#!/bin/sh
# The conversation's Web Adapter start script under its historical name (tests and benches run it).
exec env LAMBDACHAT_ROUTE_GROUP=conversation sh "$(dirname "$0")/run_web_adapter.sh"
