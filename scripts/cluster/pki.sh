# Throw-away PKI for the local cluster, made with openssl. Sourced by cluster.sh; writes into $PKI.
# Leaves go through a CSR so Debian's default v3_ca section never marks them as CAs.

# sign_leaf NAME SUBJECT EXTENSIONS: a key and a certificate signed by the cluster CA.
sign_leaf() {
  local name="$1" subject="$2" ext="$3"
  openssl req -new -nodes -newkey rsa:2048 -keyout "$PKI/$name.key" -out "$PKI/$name.csr" -subj "$subject" 2>/dev/null
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

# make_front_proxy_pki: the aggregation layer's own CA and the apiserver's client pair under it
# (--proxy-client-*), which an aggregated API server (Tessera's operator) trusts for the
# X-Remote-User/X-Remote-Group headers; and a serving pair for the operator's aggregated API, signed
# by the cluster CA (the APIService's caBundle) for the node address test operators listen on.
make_front_proxy_pki() {
  local ip="$1"
  [[ -f "$PKI/tessera-api.crt" ]] && return 0
  openssl req -x509 -new -nodes -newkey rsa:2048 -keyout "$PKI/front-proxy-ca.key" -out "$PKI/front-proxy-ca.crt" \
    -days 30 -subj /CN=tessera-local-front-proxy-ca 2>/dev/null
  local name=front-proxy-client
  openssl req -new -nodes -newkey rsa:2048 -keyout "$PKI/$name.key" -out "$PKI/$name.csr" -subj /CN=front-proxy-client 2>/dev/null
  printf '%s\n' 'extendedKeyUsage=clientAuth' 'keyUsage=digitalSignature,keyEncipherment' >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/front-proxy-ca.crt" -CAkey "$PKI/front-proxy-ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
  sign_leaf tessera-api /CN=tessera-api "$(printf '%s\n' \
    "subjectAltName=IP:127.0.0.1,IP:$ip,DNS:localhost,DNS:tessera-api.tessera-dev-api.svc" \
    'extendedKeyUsage=serverAuth' 'keyUsage=digitalSignature,keyEncipherment')"
}

# make_pki ADVERTISE_IP: the CA, the apiserver's serving pair, the admin client pair, the SA keys.
make_pki() {
  local ip="$1"
  [[ -f "$PKI/admin.crt" ]] && { make_front_proxy_pki "$ip"; return 0; }
  mkdir -p "$PKI"
  openssl req -x509 -new -nodes -newkey rsa:2048 -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
    -days 30 -subj /CN=tessera-local-ca 2>/dev/null
  sign_leaf apiserver /CN=kube-apiserver "$(printf '%s\n' \
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,IP:$ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    'extendedKeyUsage=serverAuth' 'keyUsage=digitalSignature,keyEncipherment')"
  # The admin is also the apiserver's client identity towards kubelets (logs, exec).
  sign_leaf admin /O=system:masters/CN=admin "$(printf '%s\n' \
    'extendedKeyUsage=clientAuth' 'keyUsage=digitalSignature,keyEncipherment')"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  make_front_proxy_pki "$ip"
}
