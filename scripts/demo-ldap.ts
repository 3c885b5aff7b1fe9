import { startSlapd, SUFFIX } from '../test/support/slapd.js';

// A throwaway OpenLDAP for trying connections on the embedded demo (README, "Access in a real
// directory"): Debian's slapd (apt-get install slapd ldap-utils) in a temporary folder, listening on
// 127.0.0.1, seeded with accounts for some of the demo company's people (mail = their sign-in name, the
// LDAP connector's default account rule) and two groups. It runs until Ctrl-C and then removes itself.
// The same server the tests start (test/support/slapd.ts), with a known port and password.

const port = Number(process.env.DEMO_LDAP_PORT ?? 3389);
const adminPassword = process.env.DEMO_LDAP_PASSWORD ?? 'demo-ldap-password';
const people = ['alan.turing', 'grace.hopper', 'ross.geller', 'peggy.olson'];

const slapd = await startSlapd({ port, adminPassword });
// startSlapd has made the suffix, ou=people and ou=groups
const entries = [
  ...people.map((uid) => {
    const [given, sur] = uid.split('.').map((p) => p[0].toUpperCase() + p.slice(1));
    return `dn: uid=${uid},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${given} ${sur}\nsn: ${sur}\ngivenName: ${given}\nmail: ${uid}@contoso.example\n`;
  }),
  // groupOfNames must have a member: the admin stands in until someone is granted (the connector's emptyGroupMember)
  `dn: cn=prod-db-readers,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: prod-db-readers\ndescription: Read access to the production databases\nmember: ${slapd.adminDn}\n`,
  `dn: cn=release-managers,ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: release-managers\ndescription: May tag and ship releases\nmember: uid=grace.hopper,ou=people,${SUFFIX}\n`,
];
try {
  await slapd.ldapadd(entries.join('\n'));
} catch (e) {
  await slapd.stop();
  throw e;
}

console.log(`OpenLDAP is running on ${slapd.url}
  base DN     ${SUFFIX}
  bind DN     ${slapd.adminDn}
  password    ${adminPassword}
  accounts    ${people.map((p) => `uid=${p}`).join(', ')} under ou=people (mail = <uid>@contoso.example)
  groups      cn=prod-db-readers, cn=release-managers under ou=groups

See who is in a group:
  ldapsearch -x -H ${slapd.url} -D '${slapd.adminDn}' -w '${adminPassword}' -b 'cn=prod-db-readers,ou=groups,${SUFFIX}' member

Ctrl-C stops it and removes its folder.`);

const stop = async () => {
  await slapd.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
