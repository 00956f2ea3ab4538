using System.Net;
using Nattt.Turn.Auth;
using Nattt.Turn.Config;
using Nattt.Turn.Policy;

namespace Nattt.Tests.Turn;

public sealed class TurnPeerPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", TurnPeerDenial.Loopback)]
    [InlineData("127.255.0.9", TurnPeerDenial.Loopback)]
    [InlineData("10.0.0.1", TurnPeerDenial.Private)]
    [InlineData("172.16.5.5", TurnPeerDenial.Private)]
    [InlineData("172.31.255.255", TurnPeerDenial.Private)]
    [InlineData("192.168.0.1", TurnPeerDenial.Private)]
    [InlineData("100.64.0.1", TurnPeerDenial.SharedAddressSpace)]
    [InlineData("100.127.255.254", TurnPeerDenial.SharedAddressSpace)]
    [InlineData("169.254.169.254", TurnPeerDenial.LinkLocal)]
    [InlineData("0.0.0.0", TurnPeerDenial.Unspecified)]
    [InlineData("239.1.1.1", TurnPeerDenial.Multicast)]
    [InlineData("255.255.255.255", TurnPeerDenial.Reserved)]
    [InlineData("198.18.0.1", TurnPeerDenial.Reserved)]
    [InlineData("203.0.113.5", TurnPeerDenial.Documentation)]
    [InlineData("::", TurnPeerDenial.Unspecified)]
    [InlineData("::1", TurnPeerDenial.Loopback)]
    [InlineData("fd00::1", TurnPeerDenial.UniqueLocal)]
    [InlineData("fe80::1", TurnPeerDenial.LinkLocal)]
    [InlineData("ff02::1", TurnPeerDenial.Multicast)]
    [InlineData("::ffff:127.0.0.1", TurnPeerDenial.Ipv4Embedded)]
    [InlineData("::ffff:8.8.8.8", TurnPeerDenial.Ipv4Embedded)]
    [InlineData("2001:db8::1", TurnPeerDenial.Documentation)]
    [InlineData("8.8.8.8", TurnPeerDenial.None)]
    [InlineData("172.32.0.1", TurnPeerDenial.None)]
    [InlineData("100.128.0.1", TurnPeerDenial.None)]
    [InlineData("2606:4700::1111", TurnPeerDenial.None)]
    public void Check_DefaultPolicy_DeniesEverythingNotGlobal(string address, TurnPeerDenial expected) =>
        Assert.Equal(expected, TurnPeerPolicy.Default.Check(IPAddress.Parse(address)));

    [Fact]
    public void Check_DocumentationAllowed_RelaysToDocumentationRangesOnly()
    {
        var policy = new TurnPeerPolicy(allowDocumentation: true);
        Assert.Equal(TurnPeerDenial.None, policy.Check(IPAddress.Parse("198.51.100.20")));
        Assert.Equal(TurnPeerDenial.Private, policy.Check(IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void Check_OperatorAllowWinsOverDeny_OperatorDenyAddsToDefaults()
    {
        var policy = new TurnPeerPolicy([IPNetwork.Parse("10.5.0.0/16")], [IPNetwork.Parse("8.8.8.0/24"), IPNetwork.Parse("10.0.0.0/8")]);
        Assert.Equal(TurnPeerDenial.None, policy.Check(IPAddress.Parse("10.5.1.1")));
        Assert.Equal(TurnPeerDenial.OperatorDenied, policy.Check(IPAddress.Parse("10.6.1.1")));
        Assert.Equal(TurnPeerDenial.OperatorDenied, policy.Check(IPAddress.Parse("8.8.8.8")));
    }

    [Theory]
    [InlineData("10.0.0.0-10.255.255.255", "10.0.0.0/8")]
    [InlineData("172.16.0.0-172.31.255.255", "172.16.0.0/12")]
    [InlineData("192.0.2.1", "192.0.2.1/32")]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("10.0.0.1-10.0.0.6", "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32")]
    [InlineData("::-::3", "::/126")]
    public void AddressRanges_CoturnRangeOrCidr_BecomesCidrBlocks(string text, string expected)
    {
        Assert.True(AddressRanges.TryParse(text, out var networks, out var error), error);
        Assert.Equal(expected, string.Join(',', networks));
    }

    [Theory]
    [InlineData("10.0.0.5-10.0.0.1")]
    [InlineData("10.0.0.1-::1")]
    [InlineData("nonsense")]
    [InlineData("10.0.0.1/8")]
    public void AddressRanges_Malformed_IsRejectedWithReason(string text)
    {
        Assert.False(AddressRanges.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}

public sealed class TurnCredentialTests
{
    [Fact]
    public void UserDatabase_PasswordAndHexKey_GiveTheSameLongTermKey()
    {
        var key = Nattt.Stun.Wire.StunCredentials.LongTermKey("bob", "realm", "secret");
        var db = new TurnUserDatabase();
        Assert.True(db.TryAdd("bob:secret", out _));
        Assert.True(db.TryAdd("eve:0x" + Convert.ToHexString(key), out _));
        var keys = new List<byte[]>();
        Assert.True(db.TryGetKeys("bob", "realm", DateTimeOffset.UnixEpoch, keys));
        Assert.True(db.TryGetKeys("eve", "realm", DateTimeOffset.UnixEpoch, keys));
        Assert.Equal(key, keys[0]);
        Assert.Equal(key, keys[1]);
        Assert.False(db.TryGetKeys("nobody", "realm", DateTimeOffset.UnixEpoch, keys));
    }

    [Theory]
    [InlineData("nocolon")]
    [InlineData(":password")]
    [InlineData("user:")]
    [InlineData("user:0x1234")]
    public void UserDatabase_MalformedEntry_IsRefused(string entry) => Assert.False(new TurnUserDatabase().TryAdd(entry, out _));

    [Fact]
    public void UserDatabase_File_SkipsCommentsAndReportsBadLines()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, ["# users", "", "a:b", "broken", "c:d"]);
        var db = new TurnUserDatabase();
        var problems = db.Load(path);
        File.Delete(path);
        Assert.Equal(2, db.Count);
        Assert.Single(problems);
        Assert.Contains(":4:", problems[0]);
    }

    [Fact]
    public void SharedSecret_PasswordIsBase64HmacSha1OfUsername()
    {
        // The TURN REST API draft's scheme: coturn computes the same value (checked against it in the namespace tests).
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("s"u8, "1700000000:joe"u8));
        Assert.Equal(expected, TurnSharedSecretAuth.Password("s", "1700000000:joe"));
    }

    [Theory]
    [InlineData("1700000000:joe", true)]
    [InlineData("joe:1700000000", true)]
    [InlineData("joe", false)]
    [InlineData("abc:def", false)]
    public void SharedSecret_UsernameExpiry_IsReadFromEitherEnd(string username, bool has)
    {
        var auth = new TurnSharedSecretAuth(["s"]);
        Assert.Equal(has, auth.TryGetExpiry(username, out var expiry));
        if (has) Assert.Equal(1700000000, expiry.ToUnixTimeSeconds());
    }

    [Fact]
    public void SharedSecret_RotatedSecrets_OfferAKeyPerSecret_ExpiredOffersNone()
    {
        var auth = new TurnSharedSecretAuth(["old", "new"]);
        var keys = new List<byte[]>();
        Assert.True(auth.TryGetKeys("1700000000:joe", "r", DateTimeOffset.FromUnixTimeSeconds(1699999999), keys));
        Assert.Equal(2, keys.Count);
        keys.Clear();
        Assert.False(auth.TryGetKeys("1700000000:joe", "r", DateTimeOffset.FromUnixTimeSeconds(1700000001), keys));
        Assert.Empty(keys);
    }

    [Fact]
    public void Nonces_FreshIsValid_AfterLifetimeStale_ForgedInvalid()
    {
        var nonces = new TurnNonces(TimeSpan.FromSeconds(600));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var nonce = System.Text.Encoding.ASCII.GetBytes(nonces.Issue(now));
        Assert.Equal(TurnNonceCheck.Valid, nonces.Check(nonce, now.AddSeconds(599)));
        Assert.Equal(TurnNonceCheck.Stale, nonces.Check(nonce, now.AddSeconds(600)));
        var forged = (byte[])nonce.Clone();
        forged[3] ^= 1; // a later expiry without the key
        Assert.Equal(TurnNonceCheck.Invalid, nonces.Check(forged, now));
        Assert.Equal(TurnNonceCheck.Invalid, nonces.Check("short"u8, now));
        Assert.Equal(TurnNonceCheck.Invalid, new TurnNonces(TimeSpan.FromSeconds(600)).Check(nonce, now)); // another server
    }

    [Fact]
    public void TokenBucket_AllowsOneSecondBurst_ThenTheRate()
    {
        var bucket = new TokenBucket(1000, 0, 1000);
        Assert.True(bucket.TryTake(1000, 0));
        Assert.False(bucket.TryTake(1, 0));
        Assert.True(bucket.TryTake(500, 500));
        Assert.False(bucket.TryTake(1, 500));
        Assert.True(new TokenBucket(0, 0, 1000).TryTake(int.MaxValue, 0));
    }
}

public sealed class TurnServerConfigFileTests
{
    private const string Sample = """
        # a coturn configuration
        listening-port=3479
        tls-listening-port=443
        listening-ip=192.0.2.10
        listening-ip=2001:db8::10
        relay-ip=192.0.2.10
        external-ip=198.51.100.1/192.0.2.10
        min-port=50000
        max-port=50999
        realm=example.org
        lt-cred-mech
        user=alice:pw
        user=bob:0x00112233445566778899aabbccddeeff
        total-quota=50
        user-quota=5
        max-bps=64000
        bps-capacity=1000000
        denied-peer-ip=10.0.0.0-10.255.255.255
        allowed-peer-ip=10.1.0.5
        no-tcp-relay
        no-dtls
        stale-nonce=120
        max-allocate-lifetime=1800
        channel-lifetime=300
        permission-lifetime=120
        cert=/etc/ssl/turn.pem
        pkey=/etc/ssl/turn.key
        log-file=/var/log/turn.log
        prometheus
        cli-password=secret
        fingerprint
        """;

    [Fact]
    public void Parse_CommonCoturnOptions_AreApplied()
    {
        var file = TurnServerConfigFile.Parse(Sample.Split('\n'));
        var o = file.Options;
        Assert.Empty(file.Errors);
        Assert.Equal(3479, o.ListeningPort);
        Assert.Equal(443, o.TlsListeningPort);
        Assert.Equal(2, o.ListeningIps.Count);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), o.ExternalIps[0].Public);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), o.ExternalIps[0].Private);
        Assert.Equal((50000, 50999), (o.MinPort, o.MaxPort));
        Assert.Equal("example.org", o.Realm);
        Assert.Equal(2, o.Users.Count);
        Assert.Equal((50, 5), (o.TotalQuota, o.UserQuota));
        Assert.Equal((64000L, 1000000L), (o.MaxBps, o.BpsCapacity));
        Assert.Equal("10.0.0.0/8", Assert.Single(o.DeniedPeers).ToString());
        Assert.Equal("10.1.0.5/32", Assert.Single(o.AllowedPeers).ToString());
        Assert.True(o.NoTcpRelay);
        Assert.Equal((120, 1800, 300, 120), (o.StaleNonceSeconds, o.MaxAllocateLifetimeSeconds, o.ChannelLifetimeSeconds, o.PermissionLifetimeSeconds));
        Assert.Equal(("/etc/ssl/turn.pem", "/etc/ssl/turn.key"), (o.CertFile, o.KeyFile));
        Assert.True(o.Prometheus);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Parse_UnsupportedOptions_AreReportedWithTheirLine()
    {
        var file = TurnServerConfigFile.Parse(Sample.Split('\n'));
        Assert.Contains(file.Ignored, i => i.Contains(":21: no-dtls", StringComparison.Ordinal));
        Assert.Contains(file.Ignored, i => i.Contains("cli-password (not supported by nattt)", StringComparison.Ordinal));
        Assert.Contains(file.Ignored, i => i.Contains("fingerprint (FINGERPRINT", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("listening-port=abc")]
    [InlineData("listening-ip=999.1.1.1")]
    [InlineData("denied-peer-ip=10.0.0.9-10.0.0.1")]
    [InlineData("realm")]
    [InlineData("external-ip=nope")]
    public void Parse_BadValue_IsAnErrorNotAnException(string line)
    {
        var file = TurnServerConfigFile.Parse([line]);
        Assert.Single(file.Errors);
    }

    [Fact]
    public void Validate_NoCredentials_IsRefusedUnlessNoAuth()
    {
        var o = new TurnServerOptions();
        Assert.Contains(o.Validate(), p => p.Contains("no credentials", StringComparison.Ordinal));
        o.NoAuth = true;
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Parse_SpaceSeparatedAndDashedForms_AreAccepted()
    {
        var file = TurnServerConfigFile.Parse(["--listening-port 4000", "use-auth-secret", "static-auth-secret=abc"]);
        Assert.Equal(4000, file.Options.ListeningPort);
        Assert.True(file.Options.UseAuthSecret);
        Assert.Equal("abc", Assert.Single(file.Options.StaticAuthSecrets));
    }
}
