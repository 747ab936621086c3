#!/bin/bash
# The fast part of the protocol model check (doc/model.md): the model with
# two agents searched exhaustively, and every mutant (one part of the gate
# removed) refuted by spin with a counterexample. TAP from
# scripts/model-check; `make model` runs every configuration.
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../scripts/model-check" --fast
