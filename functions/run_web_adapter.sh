#!/bin/sh
# Start script (the handler) of every streaming Lambda (conversation, files, create, synthesize),
# run by the Lambda Web Adapter's exec wrapper (/opt/bootstrap). LAMBDACHAT_FUNCTION names
# the function (serverless.yml sets it): gunicorn serves `app` of functions/<function>.py, the
# same module that is the function's buffered handler. The adapter waits until this server answers on $PORT, then
# proxies each invocation to it and streams the body back (AWS_LWA_INVOKE_MODE=response_stream).
#
# gunicorn: the settings shared with `lambdachat serve` (gthread and one worker, underscore headers
# kept, no control socket, TCP_NODELAY) come from lambdachat.web.gunicorn_conf; these are Lambda's:
#   --timeout 0         no worker heartbeat: a frozen (idle) environment would look like a hung
#                       worker after it thaws and get killed mid-request. Lambda's own timeout
#                       bounds a request.
#   --keep-alive 10     longer than the adapter's idle pool timeout (4 s), so the adapter never
#                       reuses a connection that gunicorn already closed.
set -eu
cd "${LAMBDA_TASK_ROOT:-$(dirname "$0")/..}"
exec python3 -m gunicorn \
    --bind "127.0.0.1:${PORT:-8080}" \
    --config python:lambdachat.web.gunicorn_conf \
    --threads "${LAMBDACHAT_THREADS:-4}" \
    --timeout 0 --keep-alive 10 --graceful-timeout 5 \
    --worker-tmp-dir /tmp \
    --error-logfile - --log-level warning \
    "functions.${LAMBDACHAT_FUNCTION:-conversation}:app"
