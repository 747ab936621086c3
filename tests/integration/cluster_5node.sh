#!/bin/bash
# cluster/ on a real 5-node corosync: see cluster_nodes.sh.
exec "$(dirname "$0")/cluster_nodes.sh" 5
