# bench/lib.sh - helpers shared by the bench/*/run.sh scripts (sourced).

# median: the median of the numbers on stdin, one a line (the upper middle
# one for an even count), printed as read.
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
