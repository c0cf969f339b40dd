#!/usr/bin/env bash
# Prints the Secret parley-tls for deploy/kubernetes: a new CA, and for each of the StatefulSet's pods parley-0 ..
# parley-(N-1) a key and a certificate signed by it that names the pod's node id (as a DNS subject alternative name,
# which is what Parley checks: README, "TLS"). Keys are EC P-256, PKCS#8, unencrypted, as --tls-key reads them.
#
#   deploy/kubernetes/make-tls-secret.sh [N] [DIR] | kubectl apply -f -
#
# N (default 3) must cover the StatefulSet's replicas: a pod with no certificate of its own does not start. With DIR,
# the CA's key and the files are kept there (to sign more nodes later); without it they are made in a temporary
# directory and removed. Needs openssl and kubectl (offline: kubectl only writes the YAML).
set -euo pipefail

nodes="${1:-3}"
keep="${2:-}"
days=825
if [[ -n "$keep" ]]; then
    mkdir -p "$keep"
    dir="$keep"
else
    dir="$(mktemp -d)"
    trap 'rm -rf "$dir"' EXIT
fi

if [[ ! -f "$dir/ca.key" ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=Parley cluster CA" -days "$days" -sha256 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/ca.crt" 2>/dev/null
fi
args=(--from-file="ca.crt=$dir/ca.crt")
for ((i = 0; i < nodes; i++)); do
    id="parley-$i"
    if [[ ! -f "$dir/$id.crt" ]]; then
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$id.key" 2>/dev/null
        openssl req -new -key "$dir/$id.key" -subj "/CN=$id" -out "$dir/$id.csr" 2>/dev/null
        printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' \
            "$id" > "$dir/$id.ext"
        openssl x509 -req -in "$dir/$id.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" \
            -sha256 -extfile "$dir/$id.ext" -out "$dir/$id.crt" 2>/dev/null
        rm -f "$dir/$id.csr" "$dir/$id.ext"
    fi
    args+=(--from-file="$id.crt=$dir/$id.crt" --from-file="$id.key=$dir/$id.key")
done
kubectl create secret generic parley-tls "${args[@]}" --dry-run=client -o yaml
