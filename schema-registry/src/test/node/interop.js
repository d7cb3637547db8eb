// Drives Confluent's official Node.js Schema Registry client against a registry, for ConfluentNodeInteropIT.
// Usage: node interop.js <command> <registryUrl> <args...>; prints one JSON line on stdout.
'use strict';
const fs = require('fs');
const {
  SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType,
} = require('@confluentinc/schemaregistry');

async function main() {
  const [command, url, ...args] = process.argv.slice(2);
  const client = new SchemaRegistryClient({ baseURLs: [url] });
  switch (command) {
    case 'register-and-serialize': {
      // args: topic schemaFile recordJsonFile
      const [topic, schemaFile, recordFile] = args;
      const schema = fs.readFileSync(schemaFile, 'utf8');
      const id = await client.register(`${topic}-value`, { schemaType: 'AVRO', schema }, false);
      const serializer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
      const record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
      const bytes = await serializer.serialize(topic, record);
      return { id, hex: bytes.toString('hex') };
    }
    case 'deserialize': {
      // args: topic hex
      const [topic, hex] = args;
      const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
      const record = await deserializer.deserialize(topic, Buffer.from(hex, 'hex'));
      return { record };
    }
    case 'evolve': {
      // args: subject registeredSchemaFile compatibleSchemaFile incompatibleSchemaFile
      const [subject, registeredFile, compatibleFile, incompatibleFile] = args;
      const info = (file) => ({ schemaType: 'AVRO', schema: fs.readFileSync(file, 'utf8') });
      const lookup = await client.getIdFullResponse(subject, info(registeredFile), false);
      const latest = await client.getLatestSchemaMetadata(subject);
      const compatible = await client.testSubjectCompatibility(subject, info(compatibleFile));
      const incompatible = await client.testCompatibility(subject, latest.version, info(incompatibleFile));
      let registerError = null;
      try {
        await client.register(subject, info(incompatibleFile), false);
      } catch (e) {
        registerError = { status: e.status, errorCode: e.errorCode, message: e.message };
      }
      let unknownSubjectError = null;
      try {
        await client.getLatestSchemaMetadata(`${subject}-missing`);
      } catch (e) {
        unknownSubjectError = { status: e.status, errorCode: e.errorCode };
      }
      return {
        lookup: { id: lookup.id, version: lookup.version, subject: lookup.subject },
        latest: { id: latest.id, version: latest.version },
        compatible, incompatible, registerError, unknownSubjectError,
      };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().then(
  (result) => { process.stdout.write(JSON.stringify(result) + '\n'); process.exit(0); },
  (error) => { process.stderr.write(`interop failed: ${error && error.stack ? error.stack : error}\n`); process.exit(1); },
);
