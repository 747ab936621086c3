#!/bin/bash
# cluster/ on a real 3-node corosync: see cluster_nodes.sh.
exec "$(dirname "$0")/cluster_nodes.sh" 3
