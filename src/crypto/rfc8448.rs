//! Test vectors from RFC 8448 (TLS 1.3 traces), sections 3 and 4, as hex. Generated from the
//! RFC text; each constant names the trace step it comes from. Not every constant is used by a
//! test; they are kept as one faithful copy of the trace.
#![allow(dead_code)]

/// {client}  create an ephemeral private key (32 octets)
pub const S3_CLIENT_PRIV: &str = "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005";
/// {client}  create an ephemeral public key (32 octets)
pub const S3_CLIENT_PUB: &str = "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c";
/// {server}  create an ephemeral private key (32 octets)
pub const S3_SERVER_PRIV: &str = "b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e";
/// {server}  create an ephemeral public key (32 octets)
pub const S3_SERVER_PUB: &str = "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f";
/// construct a ClientHello ClientHello (196 octets)
pub const S3_CLIENT_HELLO: &str = concat!(
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201",
    "0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400",
    "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00",
    "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c",
    "00024001",
);
/// construct a ServerHello ServerHello (90 octets)
pub const S3_SERVER_HELLO: &str = concat!(
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024",
    "001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304",
);
/// EncryptedExtensions EncryptedExtensions (40 octets)
pub const S3_ENCRYPTED_EXTENSIONS: &str =
    "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
/// construct a Certificate handshake Certificate (445 octets)
pub const S3_CERTIFICATE: &str = concat!(
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a",
    "06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a",
    "0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98",
    "0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312",
    "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0",
    "3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355",
    "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f",
    "8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102",
    "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8",
    "f8961229ac9187b42b4de10000",
);
/// CertificateVerify CertificateVerify (136 octets)
pub const S3_CERTIFICATE_VERIFY: &str = concat!(
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d3",
    "3a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c",
    "9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3",
);
/// {server}  construct a Finished Finished (36 octets)
pub const S3_SERVER_FINISHED: &str =
    "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
/// {client}  construct a Finished Finished (36 octets)
pub const S3_CLIENT_FINISHED: &str =
    "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";
/// extract secret "early" secret (32 octets)
pub const S3_EARLY_SECRET: &str =
    "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";
/// {server}  derive secret for handshake expanded (32 octets)
pub const S3_DERIVED_FOR_HS: &str =
    "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba";
/// extract secret "handshake" IKM (32 octets)
pub const S3_ECDHE: &str = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
/// extract secret "handshake" secret (32 octets)
pub const S3_HANDSHAKE_SECRET: &str =
    "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
/// derive secret "tls13 c hs traffic" hash (32 octets)
pub const S3_HS_HASH: &str = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
/// derive secret "tls13 c hs traffic" expanded (32 octets)
pub const S3_C_HS_TRAFFIC: &str =
    "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
/// derive secret "tls13 s hs traffic" expanded (32 octets)
pub const S3_S_HS_TRAFFIC: &str =
    "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
/// extract secret "master" secret (32 octets)
pub const S3_MASTER_SECRET: &str =
    "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919";
/// {server}  derive write traffic keys for handshake key expanded (16 octets)
pub const S3_S_HS_KEY: &str = "3fce516009c21727d0f2e4e86ee403bc";
/// {server}  derive write traffic keys for handshake iv expanded (12 octets)
pub const S3_S_HS_IV: &str = "5d313eb2671276ee13000b30";
/// {server}  derive read traffic keys for handshake key expanded (16 octets)
pub const S3_C_HS_KEY: &str = "dbfaa693d1762c5b666af5d950258d01";
/// {server}  derive read traffic keys for handshake iv expanded (12 octets)
pub const S3_C_HS_IV: &str = "5bd3c71b836e0b76bb73265f";
/// {server}  calculate finished expanded (32 octets)
pub const S3_S_FINISHED_KEY: &str =
    "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8";
/// {server}  calculate finished finished (32 octets)
pub const S3_S_FINISHED_VERIFY: &str =
    "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
/// {client}  calculate finished expanded (32 octets)
pub const S3_C_FINISHED_KEY: &str =
    "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4";
/// {client}  calculate finished finished (32 octets)
pub const S3_C_FINISHED_VERIFY: &str =
    "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";
/// {server}  send handshake record payload (657 octets)
pub const S3_SERVER_HS_PAYLOAD: &str = concat!(
    "080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b5",
    "0001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372",
    "7361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372",
    "736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c",
    "0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc",
    "b0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a",
    "8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0",
    "300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594",
    "365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1",
    "fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4",
    "2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc",
    "90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671",
    "459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000",
    "209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718",
);
/// {server}  send handshake record complete record (679 octets)
pub const S3_SERVER_HS_RECORD: &str = concat!(
    "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca",
    "07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b",
    "d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c",
    "7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092",
    "8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8",
    "9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f",
    "4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3",
    "6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e",
    "1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c",
    "f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe",
    "5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb",
    "5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038",
    "ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278",
    "4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e",
    "750edc53370d2b",
);
/// derive secret "tls13 c ap traffic" hash (32 octets)
pub const S3_AP_HASH: &str = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";
/// derive secret "tls13 c ap traffic" expanded (32 octets)
pub const S3_C_AP_TRAFFIC: &str =
    "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
/// derive secret "tls13 s ap traffic" expanded (32 octets)
pub const S3_S_AP_TRAFFIC: &str =
    "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
/// derive secret "tls13 exp master" expanded (32 octets)
pub const S3_EXP_MASTER: &str = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50";
/// {server}  derive write traffic keys for application key expanded (16 octets)
pub const S3_S_AP_KEY: &str = "9f02283b6c9c07efc26bb9f2ac92e356";
/// {server}  derive write traffic keys for application iv expanded (12 octets)
pub const S3_S_AP_IV: &str = "cf782b88dd83549aadf1e984";
/// {client}  derive write traffic keys for application key expanded (16 octets)
pub const S3_C_AP_KEY: &str = "17422dda596ed5d9acd890e3c63f5051";
/// {client}  derive write traffic keys for application iv expanded (12 octets)
pub const S3_C_AP_IV: &str = "5b78923dee08579033e523d9";
/// {client}  send handshake record complete record (58 octets)
pub const S3_CLIENT_FINISHED_RECORD: &str = concat!(
    "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c",
    "aeacab6867d726c40546",
);
/// derive secret "tls13 res master" hash (32 octets)
pub const S3_RES_HASH: &str = "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d";
/// derive secret "tls13 res master" expanded (32 octets)
pub const S3_RES_MASTER: &str = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";
/// generate resumption secret hash (2 octets)
pub const S3_TICKET_NONCE: &str = "0000";
/// generate resumption secret expanded (32 octets)
pub const S3_RESUMPTION_PSK: &str =
    "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3";
/// construct a NewSessionTicket NewSessionTicket (205 octets)
pub const S3_NEW_SESSION_TICKET: &str = concat!(
    "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf",
    "1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827",
    "db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228",
    "bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a",
    "e4d3570008002a000400000400",
);
/// {server}  send application_data record payload (50 octets)
pub const S3_SERVER_APP_PAYLOAD: &str = concat!(
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f",
    "3031",
);
/// {server}  send application_data record complete record (72 octets)
pub const S3_SERVER_APP_RECORD: &str = concat!(
    "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8",
    "fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d",
);
/// {client}  send application_data record complete record (72 octets)
pub const S3_CLIENT_APP_RECORD: &str = concat!(
    "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b",
    "62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4",
);
/// {client}  extract secret "early" secret (32 octets)
pub const S4_EARLY_SECRET: &str =
    "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c";
/// calculate PSK binder ClientHello prefix (477 octets)
pub const S4_CH_PREFIX: &str = concat!(
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201",
    "0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400",
    "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00",
    "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c",
    "000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c936",
    "7c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3",
    "664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf2",
    "97b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb",
);
/// calculate PSK binder binder hash (32 octets)
pub const S4_BINDER_HASH: &str = "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14";
/// calculate PSK binder PRK (32 octets)
pub const S4_BINDER_KEY: &str = "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256";
/// calculate PSK binder finished (32 octets)
pub const S4_BINDER: &str = "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d";
/// {client}  send handshake record payload (512 octets)
pub const S4_CLIENT_HELLO: &str = concat!(
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201",
    "0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400",
    "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00",
    "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c",
    "000240010015005700000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c936",
    "7c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3",
    "664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf2",
    "97b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb002120",
    "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d",
);
/// derive secret "tls13 c e traffic" hash (32 octets)
pub const S4_C_E_HASH: &str = "08ad0fa05d7c7233b1775ba2ff9f4c5b8b59276b7f227f13a976245f5d960913";
/// derive secret "tls13 c e traffic" expanded (32 octets)
pub const S4_C_E_TRAFFIC: &str = "3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62";
/// derive secret "tls13 e exp master" expanded (32 octets)
pub const S4_E_EXP_MASTER: &str =
    "b2026866610937d7423e5be90862ccf24c0e6091186d34f812089ff5be2ef7df";
/// early application data key expanded (16 octets)
pub const S4_EARLY_KEY: &str = "920205a5b7bf2115e6fc5c2942834f54";
/// early application data iv expanded (12 octets)
pub const S4_EARLY_IV: &str = "6d475f0993c8e564610db2b9";
/// {client}  send application_data record payload (6 octets)
pub const S4_EARLY_APP_PAYLOAD: &str = "414243444546";
/// {client}  send application_data record complete record (28 octets)
pub const S4_EARLY_APP_RECORD: &str = "1703030017ab1df420e75c457a7cc5d2844f76d5aee4b4edbf049be0";
