# shellcheck shell=bash
# Object-storage mode of bench/engine-bench (sourced by it with --s3; not run on its own).
#
# A throw-away Ceph RADOS Gateway (scripts/rgw, OSD on bluestore in a file: memstore holds only
# about 2 GiB and then PUTs hang) serves one bucket per tool. Requests are counted from the
# gateway's own access log: at its default log level radosgw writes one line per request it
# served ("beast: ... "PUT /bucket/key HTTP/1.1" 200 BYTES ..."), including failed and retried
# ones, with the bytes of the object body moved. Counting there is exact and adds no hop and no
# CPU to a 2-core machine where client and server already compete (a counting proxy would copy
# every byte once more). Each measured operation is bracketed by two marker requests, and the
# counts are read only once the second marker is in the log, so no line is missed.
#
# Uses from engine-bench: $work, $s3_ceiling. Sets: rgw_dir, rgw_endpoint, rgw_log, AWS_* variables.
# shellcheck disable=SC2154  # work, s3_ceiling: set by engine-bench before it calls these

# AWS S3 Standard, US East (N. Virginia); sources and date in bench/README.md ("Prices").
readonly kPriceClassA=0.005     # USD per 1,000 PUT, COPY, POST, LIST requests
readonly kPriceClassB=0.0004    # USD per 1,000 GET, HEAD and all other requests
readonly kPriceStorage=0.023    # USD per GB-month (GB = 2^30 bytes), first 50 TB
# DELETE requests are free.

# shellcheck disable=SC2034  # used by engine-bench's measure to number its markers
rgw_marks=0

# Starts the gateway in $work/rgw on bluestore sized for two repositories of the dataset (a sparse
# file), and exports the credentials both tools read.
start_rgw() {
  local scale=$1 size_gib
  size_gib=$(awk -v s="$scale" 'BEGIN { printf "%d", 8 + s * 12 }')
  rgw_dir=$work/rgw
  # --stop-with: the cluster goes with this script, even when it is killed.
  ./scripts/rgw start "$rgw_dir" --bluestore "${size_gib}G" --stop-with $$ >/dev/null
  # shellcheck disable=SC1091
  source "$rgw_dir/rgw.env"
  rgw_endpoint=$STORMPROOF_RGW_ENDPOINT
  rgw_log=$rgw_dir/log/client.rgw.gateway.log
  export AWS_ACCESS_KEY_ID=$STORMPROOF_RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$STORMPROOF_RGW_SECRET_KEY
  export AWS_REGION=$STORMPROOF_RGW_REGION AWS_DEFAULT_REGION=$STORMPROOF_RGW_REGION
  [[ -f $rgw_log ]] || { echo "engine-bench: no gateway log at $rgw_log" >&2; exit 1; }
}

stop_rgw() { if [[ -n ${rgw_dir:-} ]]; then ./scripts/rgw stop "$rgw_dir" --clean || true; fi; }

# Sends marker request N (an anonymous GET the gateway logs like any other) and waits until its
# line is in the log: then every request answered before it is there too (the gateway writes a
# request's line just after its answer, so a short pause covers the last one of a tool that
# exited the moment it had its answer).
rgw_mark() {
  local n=$1 waited=0
  sleep 0.1
  curl -s -o /dev/null "$rgw_endpoint/?bench-mark=$n"
  until grep -q "bench-mark=$n " "$rgw_log"; do
    ((waited++ < 100)) || { echo "engine-bench: marker $n never reached $rgw_log" >&2; exit 1; }
    sleep 0.1
  done
}

# Prints the requests the gateway answered between markers FROM and TO:
#   PUT GET HEAD LIST DELETE POST BYTES_UP BYTES_DOWN   (tab-separated)
# LIST is a GET on a bucket (ListObjects, ListMultipartUploads) or on "/" (ListBuckets); a GET of
# a bucket's ?location counts as a GET. BYTES_UP are object bytes PUT, BYTES_DOWN bytes GET.
rgw_requests_between() {
  awk -v from="bench-mark=$1 " -v to="bench-mark=$2 " '
    index($0, from) { on = 1; next }
    index($0, to) { exit }
    !on || !/ beast: / || /bench-mark=/ { next }
    {
      split($0, quoted, "\""); split(quoted[2], request, " ")
      method = request[1]; target = request[2]
      split(quoted[3], after, " "); bytes = after[2] + 0
      path = target; query = ""
      if ((q = index(target, "?")) > 0) { path = substr(target, 1, q - 1); query = substr(target, q + 1) }
      sub(/^\//, "", path); sub(/\/$/, "", path)
      bucket_level = (index(path, "/") == 0)
      if (method == "GET" && bucket_level && query !~ /^location/) { list++ }
      else if (method == "GET") { get++; down += bytes }
      else if (method == "PUT") { put++; up += bytes }
      else if (method == "HEAD") { head++ }
      else if (method == "DELETE") { del++ }
      else if (method == "POST") { post++; up += bytes }
    }
    END { printf "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", put, get, head, list, del, post, up, down }
  ' "$rgw_log"
}

# The requests between markers FROM and TO, one per line:
#   TIME-ANSWERED METHOD TARGET STATUS BYTES LATENCY
rgw_request_lines() {
  awk -v from="bench-mark=$1 " -v to="bench-mark=$2 " '
    index($0, from) { on = 1; next }
    index($0, to) { exit }
    on && / beast: / && !/bench-mark=/ {
      split($0, quoted, "\""); split(quoted[2], request, " "); split(quoted[3], after, " ")
      latency = $NF; sub(/^latency=/, "", latency)
      print substr($1, 12, 12), request[1], request[2], after[1], after[2], latency }' "$rgw_log"
}

# CPU seconds (user+sys) the gateway, the OSD and the monitor have used so far.
rgw_cpu_seconds() {
  local total=0 name pid ticks
  for name in client.rgw.gateway osd.0 mon.a; do
    pid=$(cat "$rgw_dir/run/$name.pid" 2>/dev/null) || continue
    ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + ticks))
  done
  echo "scale=2; $total / $(getconf CLK_TCK)" | bc
}

# KiB stored in BUCKET (sum of its objects' sizes, from the gateway's bucket index).
bucket_kib() {
  radosgw-admin -c "$rgw_dir/ceph.conf" bucket stats --bucket="$1" 2>/dev/null |
    jq '(.usage["rgw.main"].size // 0) / 1024 | floor'
}

# Raw parallel PUT then GET of 8 MiB objects, 4 in flight; appends "LABEL put|get MB/s" rows.
measure_ceiling() {
  local label=$1
  "$s3_ceiling" --endpoint "$rgw_endpoint" --bucket bench-ceiling --objects 64 --size-mib 8 \
    --in-flight 4 --region "$AWS_REGION" |
    awk -v label="$label" -F'\t' '{ print label "\t" $1 "\t" $4 }' >>"$work/ceiling.tsv"
}

# The higher of the measurements of PHASE (put or get): what the server can take at best.
ceiling_of() { awk -F'\t' -v p="$1" '$2 == p && $3 > m { m = $3 } END { print m + 0 }' "$work/ceiling.tsv"; }

# The tables of the S3 mode, from results.tsv rows
#   op tool wall cpu rss size_kib put get head list delete post bytes_up bytes_down server_cpu
# DATA_BYTES is the initial dataset's size (first backup), RESTORED_BYTES the changed one's.
print_s3_report() {
  local results=$1 data_bytes=$2 restored_bytes=$3 put_ceiling get_ceiling
  put_ceiling=$(ceiling_of put)
  get_ceiling=$(ceiling_of get)
  echo
  echo "== server ceiling: raw parallel 8 MiB objects, 4 in flight (MB = 10^6 bytes) =="
  awk -F'\t' '{ printf "%-8s %-4s %8.1f MB/s\n", $1, toupper($2), $3 }' "$work/ceiling.tsv"
  echo
  echo "== requests per operation (counted by the gateway), server CPU, cost at AWS S3 Standard prices =="
  printf '%-22s %-11s %6s %6s %6s %6s %6s %5s %9s %9s %8s %10s\n' operation tool PUT GET HEAD LIST \
    DELETE POST "MB up" "MB down" "srv cpu" "requests \$"
  sort -s -k1,1 "$results" | awk -F'\t' -v a="$kPriceClassA" -v b="$kPriceClassB" '{
    cost = ($7 + $10 + $12) * a / 1000 + ($8 + $9) * b / 1000
    printf "%-22s %-11s %6d %6d %6d %6d %6d %5d %9.1f %9.1f %8.1f %10.5f\n",
      $1, $2, $7, $8, $9, $10, $11, $12, $13 / 1e6, $14 / 1e6, $15, cost }'
  echo
  echo "== throughput: data and object bytes moved per wall second; share of the server ceiling =="
  printf '%-22s %-11s %10s %12s %10s\n' operation tool "data MB/s" "moved MB/s" "of ceiling"
  sort -s -k1,1 "$results" | awk -F'\t' -v pc="$put_ceiling" -v gc="$get_ceiling" \
    -v data="$data_bytes" -v restored="$restored_bytes" '{
    upload = ($1 ~ /backup|copy/); moved = (upload ? $13 : $14) / $3 / 1e6
    ceiling = upload ? pc : gc
    d = ($1 ~ /^[16] /) ? sprintf("%.1f", data / $3 / 1e6) : ($1 ~ /^4 /) ? sprintf("%.1f", restored / $3 / 1e6) : "-"
    share = ($1 ~ /^[237] /) ? "-" : sprintf("%.0f%%", 100 * moved / ceiling)
    printf "%-22s %-11s %10s %12.1f %10s\n", $1, $2, d, moved, share }'
  print_s3_cost "$results"
  if grep -q $'\tstormproof\t' "$results" && grep -q $'\trestic\t' "$results"; then
    print_s3_ratios "$results"
    print_s3_targets "$results" "$put_ceiling" "$get_ceiling"
  fi
}

print_s3_ratios() {
  echo
  echo "== ratios: restic divided by stormproof (> 1.00 = stormproof better) =="
  printf '%-22s %8s %8s %10s %10s %10s\n' operation wall cpu "peak RSS" "repo size" requests
  sort -s -k1,1 "$1" | awk -F'\t' '
    { key = $1; ops[key] = 1; n = $7 + $8 + $9 + $10 + $11 + $12 }
    $2 == "stormproof" { w[key] = $3; c[key] = $4; r[key] = $5; s[key] = $6; q[key] = n }
    $2 == "restic" { rw[key] = $3; rc[key] = $4; rr[key] = $5; rs[key] = $6; rq[key] = n }
    END {
      for (k in ops) order[++m] = k
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
      for (i = 1; i <= m; i++) { k = order[i]
        if (!(k in w) || !(k in rw)) continue
        size = (s[k] != "-" && rs[k] != "-" && s[k] > 0) ? sprintf("%.2f", rs[k] / s[k]) : "-"
        printf "%-22s %8.2f %8.2f %10.2f %10s %10.2f\n", k, rw[k] / w[k], rc[k] / (c[k] > 0 ? c[k] : 0.01),
          rr[k] / r[k], size, rq[k] / (q[k] > 0 ? q[k] : 1) } }'
}

# What a client costs at the published prices: the repository stored for a month, plus a month of
# daily backups like the changed backup (about 2% of files changed each day).
print_s3_cost() {
  echo
  echo "== a client per month at AWS S3 Standard prices (storage \$$kPriceStorage/GB-month, requests \$$kPriceClassA and \$$kPriceClassB per 1,000) =="
  printf '%-11s %10s %12s %16s %12s\n' tool "repo GiB" "storage \$" "30 backups \$" "total \$"
  awk -F'\t' -v a="$kPriceClassA" -v b="$kPriceClassB" -v g="$kPriceStorage" '
    $1 ~ /^3 / { size[$2] = $6 * 1024 / 2^30 }
    $1 ~ /^2 / { daily[$2] = ($7 + $10 + $12) * a / 1000 + ($8 + $9) * b / 1000 }
    END { for (t in size) printf "%-11s %10.2f %12.4f %16.4f %12.4f\n", t, size[t], size[t] * g,
      30 * daily[t], size[t] * g + 30 * daily[t] }' "$1" | sort
}

# The targets of issue 14, judged from this run.
print_s3_targets() {
  local results=$1 put_ceiling=$2 get_ceiling=$3
  echo
  echo "== targets =="
  awk -F'\t' -v pc="$put_ceiling" -v gc="$get_ceiling" '
    { n = $7 + $8 + $9 + $10 + $11 + $12; key = $1 SUBSEP $2
      wall[key] = $3; req[key] = n; listget[key] = $8 + $10
      share[key] = ($1 ~ /backup/) ? $13 / $3 / 1e6 / pc : $14 / $3 / 1e6 / gc }
    function verdict(ok) { return ok ? "met   " : "MISSED" }
    function judge(op, what,    s, r) {
      s = "stormproof"; r = "restic"
      printf "%s %s: %.0f%% of the server ceiling (target >= 80%%), %.2fx restic'"'"'s speed (target > 1)\n",
        verdict(share[op, s] >= 0.8 && wall[op, r] > wall[op, s]), what, 100 * share[op, s], wall[op, r] / wall[op, s] }
    END {
      judge("1 first backup", "first backup")
      judge("4 full restore", "full restore")
      u = "3 unchanged backup"
      printf "%s unchanged backup: %.2fx restic'"'"'s speed (target >= 3), %d requests against restic'"'"'s %d (target: fewer)\n",
        verdict(wall[u, "restic"] >= 3 * wall[u, "stormproof"] && req[u, "stormproof"] < req[u, "restic"]),
        wall[u, "restic"] / wall[u, "stormproof"], req[u, "stormproof"], req[u, "restic"]
      printf "       unchanged backup: %d LIST+GET requests (restic: %d); small and constant = not one per file or pack\n",
        listget[u, "stormproof"], listget[u, "restic"] }' "$results"
}
