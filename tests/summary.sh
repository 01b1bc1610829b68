#!/bin/sh
# Prints the failures recorded in a results file, then "N passed, N failed".
# Exits 1 when anything failed or nothing ran.
results=$1
passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^not ok ' "$results")
if [ "$failed" -gt 0 ]; then
    echo "failures:"
    grep -A 15 '^not ok ' "$results" | grep -v '^--$'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
