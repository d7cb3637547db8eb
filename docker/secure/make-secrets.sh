#!/usr/bin/env bash
# Creates, once, what the secured compose cluster needs in DIR (a volume): a CA, a server key and
# certificate signed by it for the names kafka, schema-registry, localhost and 127.0.0.1
# (server.keystore.p12), the CA alone for clients (ca.truststore.p12, ca.crt), the Kafka admin
# login (admin-password, admin.properties) and the registry's users file (registry-users.properties,
# Jetty/Confluent format). Existing files are kept, so restarts keep certificates and logins.
# Needs keytool (any JDK or JRE); reads TLS_PASSWORD and REGISTRY_PASSWORD from the environment;
# SECRETS_OWNER (uid:gid) owns the private files when set (the Kafka and registry images run as 1000).
# Usage: make-secrets.sh DIR
set -euo pipefail
dir="${1:?usage: make-secrets.sh DIR}"
: "${TLS_PASSWORD:?set TLS_PASSWORD}" "${REGISTRY_PASSWORD:?set REGISTRY_PASSWORD}"
if [ "${#TLS_PASSWORD}" -lt 6 ]; then
  echo "make-secrets: TLS_PASSWORD must have at least 6 characters (a PKCS12 store password)" >&2
  exit 2
fi
keytool="$(command -v keytool || echo "${JAVA_HOME:-/opt/java/openjdk}/bin/keytool")"
mkdir -p "$dir"
cd "$dir"
umask 077

if [ ! -f server.keystore.p12 ]; then
  rm -f ca.p12 ca.crt ca.truststore.p12 server.csr server.crt
  "$keytool" -genkeypair -alias ca -dname "CN=reachwatch compose CA" -keyalg EC -groupname secp256r1 -validity 825 \
    -ext bc:c -keystore ca.p12 -storetype PKCS12 -storepass "$TLS_PASSWORD"
  "$keytool" -genkeypair -alias server -dname "CN=kafka" -keyalg EC -groupname secp256r1 -validity 825 \
    -keystore server.keystore.p12 -storetype PKCS12 -storepass "$TLS_PASSWORD"
  "$keytool" -certreq -alias server -keystore server.keystore.p12 -storepass "$TLS_PASSWORD" -file server.csr
  "$keytool" -gencert -alias ca -keystore ca.p12 -storepass "$TLS_PASSWORD" -infile server.csr -outfile server.crt \
    -validity 825 -ext "SAN=dns:kafka,dns:schema-registry,dns:localhost,ip:127.0.0.1" -ext "EKU=serverAuth,clientAuth"
  "$keytool" -exportcert -alias ca -keystore ca.p12 -storepass "$TLS_PASSWORD" -rfc -file ca.crt
  "$keytool" -importcert -noprompt -alias ca -file ca.crt -keystore server.keystore.p12 -storepass "$TLS_PASSWORD"
  "$keytool" -importcert -alias server -file server.crt -keystore server.keystore.p12 -storepass "$TLS_PASSWORD"
  "$keytool" -importcert -noprompt -alias ca -file ca.crt -keystore ca.truststore.p12 -storetype PKCS12 \
    -storepass "$TLS_PASSWORD"
  rm -f server.csr server.crt
fi

if [ ! -f admin-password ]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > admin-password
fi
admin_password="$(cat admin-password)"
cat > admin.properties <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
ssl.truststore.location=$dir/ca.truststore.p12
ssl.truststore.password=$TLS_PASSWORD
ssl.truststore.type=PKCS12
PROPERTIES
printf 'reachwatch: %s,admin\n' "$REGISTRY_PASSWORD" > registry-users.properties

# The CA certificate is public: every client may read it; keys and passwords only their owner.
chmod 755 "$dir"
chmod 644 ca.crt ca.truststore.p12
chmod 600 ca.p12 server.keystore.p12 admin-password admin.properties registry-users.properties
if [ -n "${SECRETS_OWNER:-}" ]; then
  chown "$SECRETS_OWNER" server.keystore.p12 admin-password admin.properties registry-users.properties
fi
echo "secrets ready in $dir"
