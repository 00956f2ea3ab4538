using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Nattt.Stun.Auth;
using Nattt.Stun.Client;
using Nattt.Stun.Server;
using Nattt.Stun.Wire;
using Nattt.Tests.Stun.Client;

namespace Nattt.Tests.Stun.Auth;

public class StunLongTermAuthenticatorTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("198.51.100.9:40000");
    private const string Realm = "example.org";
    private static readonly StunSecurityFeatures AllFeatures = StunSecurityFeatures.PasswordAlgorithms | StunSecurityFeatures.UsernameAnonymity;

    private static StunLongTermAuthenticator Authenticator(TimeProvider time, StunSecurityFeatures features = StunSecurityFeatures.PasswordAlgorithms) =>
        new(Realm, StunStaticCredentialStore.Parse(["alice:wonderland", "bob:b:with:colons"], Realm),
            new StunNonceIssuer(time, TimeSpan.FromMinutes(10), features, secret: new byte[32]));

    private delegate void Attributes(ref StunMessageWriter w);

    private static StunAuthResult Check(StunLongTermAuthenticator auth, Attributes attributes, IPEndPoint? from = null)
    {
        var buffer = new byte[1024];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        attributes(ref w);
        Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
        return auth.Check(m, from ?? Client);
    }

    private static (string Nonce, byte[] Algorithms) Challenge(StunLongTermAuthenticator auth)
    {
        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingError, new byte[12]);
        Assert.True(auth.TryWriteChallenge(ref w, new StunAuthResult(StunAuthOutcome.Unauthenticated, null, null, false, ""), Client));
        Assert.Equal(StunError.None, StunMessageReader.TryParse(w.Written, out var m));
        Assert.Equal(StunError.None, ErrorCodeAttribute.Read(m, out int code, out _));
        Assert.Equal(401, code);
        Assert.Equal(StunError.None, RealmAttribute.Read(m, out var realm));
        Assert.Equal(Realm, Encoding.UTF8.GetString(realm));
        Assert.Equal(StunError.None, NonceAttribute.Read(m, out var nonce));
        Assert.True(StunNonce.TryReadSecurityFeatures(nonce, out _));
        m.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var algorithms);
        return (Encoding.UTF8.GetString(nonce), algorithms.ToArray());
    }

    [Fact]
    public void Check_NoIntegrity_Unauthenticated()
    {
        var auth = Authenticator(new FakeTimeProvider());
        Assert.Equal(StunAuthOutcome.Unauthenticated, Check(auth, (ref StunMessageWriter w) => UsernameAttribute.TryWrite(ref w, "alice")).Outcome);
    }

    [Theory]
    [InlineData(StunPasswordAlgorithm.Sha256, true)]
    [InlineData(StunPasswordAlgorithm.Md5, false)]
    public void Check_RightPassword_Authenticated(StunPasswordAlgorithm algorithm, bool sha256Integrity)
    {
        var auth = Authenticator(new FakeTimeProvider());
        var (nonce, algorithms) = Challenge(auth);
        var key = StunCredentials.LongTermKey("alice", Realm, "wonderland", algorithm);
        var result = Check(auth, (ref StunMessageWriter w) =>
        {
            w.TryWriteAttribute(StunAttributeType.PasswordAlgorithms, algorithms);
            PasswordAlgorithmAttribute.TryWrite(ref w, algorithm);
            UsernameAttribute.TryWrite(ref w, "alice");
            RealmAttribute.TryWrite(ref w, Realm);
            NonceAttribute.TryWrite(ref w, nonce);
            if (sha256Integrity) w.TryWriteMessageIntegritySha256(key); else w.TryWriteMessageIntegrity(key);
        });
        Assert.Equal(StunAuthOutcome.Authenticated, result.Outcome);
        Assert.Equal("alice", result.Username);
        Assert.Equal(key, result.Key);
    }

    [Fact]
    public void Check_WrongPasswordOrUnknownUserOrForeignNonce_Unauthenticated()
    {
        var auth = Authenticator(new FakeTimeProvider(), StunSecurityFeatures.None);
        var (nonce, _) = Challenge(auth);
        StunAuthResult Try(string user, string password, string n) => Check(auth, (ref StunMessageWriter w) =>
        {
            UsernameAttribute.TryWrite(ref w, user);
            RealmAttribute.TryWrite(ref w, Realm);
            NonceAttribute.TryWrite(ref w, n);
            w.TryWriteMessageIntegrity(StunCredentials.LongTermKey(user, Realm, password));
        });
        Assert.Equal(StunAuthOutcome.Authenticated, Try("bob", "b:with:colons", nonce).Outcome);
        Assert.Equal(StunAuthOutcome.Unauthenticated, Try("alice", "wrong", nonce).Outcome);
        Assert.Equal(StunAuthOutcome.Unauthenticated, Try("mallory", "x", nonce).Outcome);
        Assert.Equal(StunAuthOutcome.Unauthenticated, Try("alice", "wonderland", "obMatJos2AAAAforged-nonce").Outcome);
        // A nonce is bound to the client's address: replayed from elsewhere it is refused.
        Assert.Equal(StunAuthOutcome.Unauthenticated, Check(auth, (ref StunMessageWriter w) =>
        {
            UsernameAttribute.TryWrite(ref w, "alice");
            RealmAttribute.TryWrite(ref w, Realm);
            NonceAttribute.TryWrite(ref w, nonce);
            w.TryWriteMessageIntegrity(StunCredentials.LongTermKey("alice", Realm, "wonderland"));
        }, IPEndPoint.Parse("192.0.2.66:40000")).Outcome);
    }

    [Fact]
    public void Check_ExpiredNonce_StaleNonce438()
    {
        var clock = new FakeTimeProvider();
        var auth = Authenticator(clock, StunSecurityFeatures.None);
        var (nonce, _) = Challenge(auth);
        clock.Advance(TimeSpan.FromMinutes(11));
        var result = Check(auth, (ref StunMessageWriter w) =>
        {
            UsernameAttribute.TryWrite(ref w, "alice");
            RealmAttribute.TryWrite(ref w, Realm);
            NonceAttribute.TryWrite(ref w, nonce);
            w.TryWriteMessageIntegrity(StunCredentials.LongTermKey("alice", Realm, "wonderland"));
        });
        Assert.Equal(StunAuthOutcome.StaleNonce, result.Outcome);
        Assert.Equal(438, result.ErrorCode);
    }

    [Fact]
    public void Check_AlgorithmListStripped_BadRequest()
    {
        var auth = Authenticator(new FakeTimeProvider());
        var (nonce, _) = Challenge(auth);
        var key = StunCredentials.LongTermKey("alice", Realm, "wonderland", StunPasswordAlgorithm.Md5);
        // A man in the middle removed SHA-256 from the offer: the list no longer matches what the nonce promises.
        var result = Check(auth, (ref StunMessageWriter w) =>
        {
            PasswordAlgorithmsAttribute.TryWrite(ref w, [StunPasswordAlgorithm.Md5]);
            PasswordAlgorithmAttribute.TryWrite(ref w, StunPasswordAlgorithm.Md5);
            UsernameAttribute.TryWrite(ref w, "alice");
            RealmAttribute.TryWrite(ref w, Realm);
            NonceAttribute.TryWrite(ref w, nonce);
            w.TryWriteMessageIntegrity(key);
        });
        Assert.Equal(StunAuthOutcome.BadRequest, result.Outcome);
    }

    [Fact]
    public void Check_UserHash_Authenticated()
    {
        var auth = Authenticator(new FakeTimeProvider(), AllFeatures);
        var (nonce, algorithms) = Challenge(auth);
        var key = StunCredentials.LongTermKey("alice", Realm, "wonderland", StunPasswordAlgorithm.Sha256);
        var result = Check(auth, (ref StunMessageWriter w) =>
        {
            w.TryWriteAttribute(StunAttributeType.PasswordAlgorithms, algorithms);
            PasswordAlgorithmAttribute.TryWrite(ref w, StunPasswordAlgorithm.Sha256);
            UserHashAttribute.TryWrite(ref w, StunCredentials.UserHash("alice", Realm));
            RealmAttribute.TryWrite(ref w, Realm);
            NonceAttribute.TryWrite(ref w, nonce);
            w.TryWriteMessageIntegritySha256(key);
        });
        Assert.Equal(StunAuthOutcome.Authenticated, result.Outcome);
        Assert.Equal("alice", result.Username);
    }

    [Fact]
    public async Task BindingClient_WithCredentials_AnsweredAndSigned_WrongPassword401()
    {
        var options = new StunServerOptions { Authenticator = Authenticator(TimeProvider.System) };
        var net = new VirtualNatNetwork(NatBehaviour.EndpointIndependent, NatBehaviour.EndpointIndependent, serverOptions: options);
        var policy = new StunRetransmissionPolicy(TimeSpan.FromMilliseconds(500), 3, 2);
        using var socket = net.Create(VirtualNatNetwork.ServerPrimary);

        var good = await new StunBindingClient(TimeProvider.System, policy, new StunClientCredentials("alice", "wonderland"))
            .RequestAsync(socket, VirtualNatNetwork.ServerPrimary);
        Assert.NotNull(good);
        Assert.True(good.IsSuccess);
        Assert.True(good.IntegrityValid);

        var bad = await new StunBindingClient(TimeProvider.System, policy, new StunClientCredentials("alice", "nope"))
            .RequestAsync(socket, VirtualNatNetwork.ServerPrimary);
        Assert.Equal(401, bad?.ErrorCode);

        var anonymous = await new StunBindingClient(TimeProvider.System, policy).RequestAsync(socket, VirtualNatNetwork.ServerPrimary);
        Assert.Equal(401, anonymous?.ErrorCode);
        // alice: 401 then success; the wrong password: 401 twice (challenge, then the failed retry); anonymous: 401.
        // (More if a slow first run made a transaction retransmit: the count is at least 4.)
        Assert.InRange(net.Server.Counters.AuthenticationFailures, 4, 12);
    }
}
