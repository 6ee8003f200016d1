#!/bin/sh
# The image's `rotor` (and `kubectl-rotor`) command: the CLI in /app/bin/rotor.mjs, e.g.
#   docker run --rm -i --entrypoint rotor IMAGE migrate - < eso.yaml
exec node /app/bin/rotor.mjs "$@"
