#!/bin/bash
# store_merge.sh: runs store_merge_bench (built in the bench build
# directory, where make bench runs this) on a disk: a transaction per
# record against a merge in batches, in the same run.
set -eu
exec ./store_merge_bench "$@"
