#!/bin/bash
# The protocol model check (doc/model.md), TAP from scripts/model-check.
# By default its fast part: the model with two agents searched
# exhaustively, and every mutant (one part of the gate removed) refuted by
# spin with a counterexample. SRRHA_MODEL=full runs every configuration,
# N=3 included (`make model`; 4 min 23 s and 3 GB here): scripts/check sets
# it, so CI runs the whole model.
here=$(cd "$(dirname "$0")" && pwd)
[ "${SRRHA_MODEL:-fast}" = full ] && exec "$here/../../scripts/model-check"
exec "$here/../../scripts/model-check" --fast
