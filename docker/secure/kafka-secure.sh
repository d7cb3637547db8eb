#!/usr/bin/env bash
# Starts a single-node Kafka (KRaft, broker + controller) whose client listeners speak only SASL_SSL
# with SCRAM-SHA-512 logins: INTERNAL (kafka:9093, for the other containers) and EXTERNAL
# (localhost:9094, published on the host's loopback). The controller listener is bound to the
# container's loopback. Logins are created when the storage is formatted (first start): "admin"
# (inter-broker and tools, password from SECRETS_DIR/admin-password) and "reachwatch"
# (KAFKA_PASSWORD). To change a password later: kafka-configs.sh --alter --add-config
# 'SCRAM-SHA-512=[password=...]' --entity-type users --entity-name reachwatch.
# Runs in the apache/kafka image (entrypoint of compose.secure.yml's kafka service).
set -euo pipefail
: "${KAFKA_PASSWORD:?set KAFKA_PASSWORD}" "${TLS_PASSWORD:?set TLS_PASSWORD}"
secrets="${SECRETS_DIR:-/secrets}"
kafka="${KAFKA_HOME:-/opt/kafka}"
data="${KAFKA_DATA_DIR:-/var/lib/kafka/data}"
admin_password="$(cat "$secrets/admin-password")"
config="$(mktemp -d)/server.properties"
umask 077

cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9095
listeners=INTERNAL://:9093,EXTERNAL://:9094,CONTROLLER://localhost:9095
advertised.listeners=INTERNAL://kafka:9093,EXTERNAL://localhost:9094
listener.security.protocol.map=INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
ssl.keystore.location=$secrets/server.keystore.p12
ssl.keystore.password=$TLS_PASSWORD
ssl.key.password=$TLS_PASSWORD
ssl.keystore.type=PKCS12
ssl.truststore.location=$secrets/ca.truststore.p12
ssl.truststore.password=$TLS_PASSWORD
ssl.truststore.type=PKCS12
log.dirs=$data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# reachwatch's topics set their own retention; _schemas and changelogs must not expire by age.
log.retention.ms=-1
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
  "$kafka/bin/kafka-storage.sh" format -t "$("$kafka/bin/kafka-storage.sh" random-uuid)" -c "$config" --standalone \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_password]" \
    --add-scram "SCRAM-SHA-512=[name=reachwatch,password=$KAFKA_PASSWORD]"
fi
exec "$kafka/bin/kafka-server-start.sh" "$config"
