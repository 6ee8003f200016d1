#!/usr/bin/env bash
# Deletes the kind cluster created by up.sh (LocalStack and the operator go with it).
set -euo pipefail
kind delete cluster --name rotor-e2e
