using System.Net;
using Nattt.Stun.Wire;
using Nattt.Turn.Auth;
using Nattt.Turn.Client;
using Nattt.Turn.Server;

namespace Nattt.Tests.Turn;

/// <summary>Allocate and Refresh (RFC 8656 sections 7.2, 7.3) and credentials, driven without sockets.</summary>
public sealed class TurnAllocationTests
{
    [Fact]
    public void Allocate_WithoutCredentials_Gets401WithRealmAndNonce()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        var first = client.Request((s, b) => s.WriteAllocate(b), retry: false);
        Assert.Equal(TurnResponseKind.Retry, first.Kind);
        Assert.Equal(401, first.ErrorCode);
        Assert.Equal("example.test", client.Session.Realm);
        Assert.Equal(1, world.Engine.Counters.AuthFailures[(int)TurnAuthFailure.Challenge]);
        Assert.Equal(0, world.Engine.AllocationCount);
    }

    [Fact]
    public void Allocate_WithCredentials_ReturnsRelayedAndMappedAddressAndLifetime()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        var r = client.Allocate();
        Assert.Equal(TurnResponseKind.Success, r.Kind);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), r.Relayed!.Address);
        Assert.Equal(client.Key.Client, r.Mapped);
        Assert.Equal(600u, r.Lifetime);
        Assert.Equal(1, world.Engine.AllocationCount);
    }

    [Fact]
    public void Allocate_WrongPassword_Gets401AndNoAllocation()
    {
        var world = new TurnTestWorld();
        var r = world.Client(password: "guess").Allocate();
        Assert.Equal(TurnResponseKind.Error, r.Kind);
        Assert.Equal(401, r.ErrorCode);
        Assert.Equal(0, world.Engine.AllocationCount);
        Assert.Equal(1, world.Engine.Counters.AuthFailures[(int)TurnAuthFailure.BadIntegrity]);
    }

    [Fact]
    public void Allocate_UnknownUser_Gets401()
    {
        var world = new TurnTestWorld();
        var r = world.Client(user: "mallory").Allocate();
        Assert.Equal(401, r.ErrorCode);
        Assert.Equal(1, world.Engine.Counters.AuthFailures[(int)TurnAuthFailure.UnknownUser]);
    }

    [Fact]
    public void Allocate_SharedSecretUsername_Succeeds()
    {
        var world = new TurnTestWorld();
        var user = TurnSharedSecretAuth.Username(world.Time.GetUtcNow().AddHours(1), "carol");
        var r = world.Client(user, TurnSharedSecretAuth.Password(TurnTestWorld.Secret, user)).Allocate();
        Assert.Equal(TurnResponseKind.Success, r.Kind);
    }

    [Fact]
    public void Allocate_ExpiredSharedSecretUsername_Gets401()
    {
        var world = new TurnTestWorld();
        var user = TurnSharedSecretAuth.Username(world.Time.GetUtcNow().AddSeconds(-1), "carol");
        var r = world.Client(user, TurnSharedSecretAuth.Password(TurnTestWorld.Secret, user)).Allocate();
        Assert.Equal(401, r.ErrorCode);
    }

    [Fact]
    public void Allocate_SecondRequestOnSameFiveTuple_Gets437()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        Assert.Equal(TurnResponseKind.Success, client.Allocate().Kind);
        Assert.Equal(437, client.Allocate().ErrorCode);
    }

    [Fact]
    public void Allocate_Retransmission_GetsTheSameSuccess()
    {
        var world = new TurnTestWorld();
        var key = world.Client().Key;
        var request = BuildAuthenticatedAllocate(world, transport: 17);
        Assert.Equal(0, Answer(world, key, request));
        var first = world.Io.ToClient[^1].Message;
        var allocation = world.Engine.Find(key);
        Assert.Equal(0, Answer(world, key, request)); // the same transaction again (a lost response)
        Assert.Equal(first, world.Io.ToClient[^1].Message);
        Assert.Same(allocation, world.Engine.Find(key));
        Assert.Equal(437, Answer(world, key, BuildAuthenticatedAllocate(world, transport: 17))); // a new transaction
    }

    [Fact]
    public void Allocate_TcpRelayRequested_Gets442()
    {
        var world = new TurnTestWorld();
        Assert.Equal(442, Answer(world, world.Client().Key, BuildAuthenticatedAllocate(world, transport: 6)));
        Assert.Equal(0, world.Engine.AllocationCount);
    }

    [Fact]
    public void Allocate_OverUserQuota_Gets486()
    {
        var world = new TurnTestWorld(o => o.UserQuota = 2);
        Assert.Equal(TurnResponseKind.Success, world.Client(port: 1).Allocate().Kind);
        Assert.Equal(TurnResponseKind.Success, world.Client(port: 2).Allocate().Kind);
        Assert.Equal(486, world.Client(port: 3).Allocate().ErrorCode);
        Assert.Equal(TurnResponseKind.Success, world.Client(user: "bob", password: "builder", port: 4).Allocate().Kind);
    }

    [Fact]
    public void Allocate_OverTotalQuota_Gets508()
    {
        var world = new TurnTestWorld(o => o.TotalQuota = 1);
        Assert.Equal(TurnResponseKind.Success, world.Client(port: 1).Allocate().Kind);
        Assert.Equal(508, world.Client(user: "bob", password: "builder", port: 2).Allocate().ErrorCode);
    }

    [Fact]
    public void Allocate_NoRelayPortLeft_Gets508()
    {
        var world = new TurnTestWorld();
        world.Io.PortsLeft = 0;
        Assert.Equal(508, world.Client().Allocate().ErrorCode);
    }

    [Fact]
    public void Allocate_IPv6WithoutIPv6Relay_Gets440_WithIPv6RelayGetsIPv6()
    {
        var world = new TurnTestWorld();
        var r = world.Client().Request((s, b) => s.WriteAllocate(b, StunAddressFamily.IPv6));
        Assert.Equal(440, r.ErrorCode);
        world.Io.HasIPv6Relay = true;
        var ok = world.Client(port: 2).Request((s, b) => s.WriteAllocate(b, StunAddressFamily.IPv6));
        Assert.Equal(TurnResponseKind.Success, ok.Kind);
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, ok.Relayed!.AddressFamily);
    }

    [Fact]
    public void Allocate_AskedLifetime_IsCappedAtMaximumAndFlooredAtDefault()
    {
        var world = new TurnTestWorld(o => o.MaxAllocateLifetimeSeconds = 1800);
        Assert.Equal(1800u, world.Client(port: 1).Allocate(lifetime: 99999).Lifetime);
        Assert.Equal(600u, world.Client(port: 2).Allocate(lifetime: 30).Lifetime);
        Assert.Equal(900u, world.Client(port: 3).Allocate(lifetime: 900).Lifetime);
    }

    [Fact]
    public void Allocation_NotRefreshed_ExpiresAndClosesItsRelay()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        world.Time.Advance(TimeSpan.FromSeconds(599));
        world.Engine.Tick();
        Assert.Equal(1, world.Engine.AllocationCount);
        world.Time.Advance(TimeSpan.FromSeconds(2));
        world.Engine.Tick();
        Assert.Equal(0, world.Engine.AllocationCount);
        Assert.Single(world.Io.Closed);
        Assert.Equal(1, world.Engine.Counters.AllocationsExpired);
    }

    [Fact]
    public void Refresh_BeforeExpiry_KeepsAllocationAlive()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        world.Time.Advance(TimeSpan.FromSeconds(500));
        Assert.Equal(TurnResponseKind.Success, client.Refresh(600).Kind);
        world.Time.Advance(TimeSpan.FromSeconds(500));
        world.Engine.Tick();
        Assert.Equal(1, world.Engine.AllocationCount);
    }

    [Fact]
    public void Refresh_LifetimeZero_DeletesAllocation()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        var r = client.Refresh(0);
        Assert.Equal(TurnResponseKind.Success, r.Kind);
        Assert.Equal(0u, r.Lifetime);
        Assert.Equal(0, world.Engine.AllocationCount);
        Assert.Equal(1, world.Engine.Counters.AllocationsDeleted);
    }

    [Fact]
    public void Refresh_WithoutAllocation_Gets437()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        client.Refresh(0);
        Assert.Equal(437, client.Refresh(600).ErrorCode);
    }

    [Fact]
    public void Request_AfterNonceLifetime_Gets438ThenSucceedsWithNewNonce()
    {
        var world = new TurnTestWorld(o => o.StaleNonceSeconds = 60);
        var client = world.Client();
        client.Allocate();
        world.Time.Advance(TimeSpan.FromSeconds(61));
        var stale = client.Request((s, b) => s.WriteRefresh(b, 600), retry: false);
        Assert.Equal(TurnResponseKind.Retry, stale.Kind);
        Assert.Equal(438, stale.ErrorCode);
        Assert.Equal(TurnResponseKind.Success, client.Refresh(600).Kind);
        Assert.Equal(1, world.Engine.Counters.AuthFailures[(int)TurnAuthFailure.StaleNonce]);
    }

    [Fact]
    public void Request_ByAnotherUserOnTheAllocation_Gets441()
    {
        var world = new TurnTestWorld();
        world.Client().Allocate();
        var bob = world.Client(user: "bob", password: "builder"); // same 5-tuple as alice's client
        Assert.Equal(441, bob.Refresh(600).ErrorCode);
        Assert.Equal(1, world.Engine.Counters.AuthFailures[(int)TurnAuthFailure.WrongCredentials]);
    }

    [Fact]
    public void Request_WithUnknownComprehensionRequiredAttribute_Gets420()
    {
        var world = new TurnTestWorld();
        var buffer = new byte[128];
        var w = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.Request), new byte[12]);
        RequestedTransportAttribute.TryWrite(ref w, 17);
        w.TryWriteAttribute((StunAttributeType)0x7F01, [1, 2, 3, 4]);
        world.Engine.OnClientPacket(world.Client().Key, w.Written);
        Assert.Equal(StunError.None, StunMessageReader.TryParse(world.Io.ToClient[^1].Message, out var response));
        Assert.Equal(StunError.None, ErrorCodeAttribute.Read(response, out int code, out _));
        Assert.Equal(420, code);
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[4];
        UnknownAttributesAttribute.Read(response, unknown, out int count);
        Assert.Equal(1, count);
        Assert.Equal((StunAttributeType)0x7F01, unknown[0]);
    }

    [Fact]
    public void BindingRequest_GetsXorMappedAddress()
    {
        var world = new TurnTestWorld();
        var buffer = new byte[64];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingRequest, new byte[12]);
        var client = world.Client();
        world.Engine.OnClientPacket(client.Key, w.Written);
        Assert.Equal(StunError.None, StunMessageReader.TryParse(world.Io.ToClient[^1].Message, out var response));
        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(response, out var mapped));
        Assert.Equal(client.Key.Client, mapped);
    }

    [Fact]
    public void ClientConnectionClosed_DeletesItsAllocation()
    {
        var world = new TurnTestWorld();
        var client = world.Client(transport: TurnTransport.Tcp);
        client.Allocate();
        world.Engine.OnClientClosed(client.Key);
        Assert.Equal(0, world.Engine.AllocationCount);
        Assert.Single(world.Io.Closed);
    }

    [Fact]
    public void ClientSession_HandleResponse_GarbageAndEveryPrefixOfARealAnswer_AreUnrelatedNotErrors()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        var answer = world.Io.ToClient[^1].Message;
        var session = new TurnClientSession(TurnTestWorld.User, TurnTestWorld.Password);
        for (int n = 0; n < answer.Length; n++)
            Assert.Equal(TurnResponseKind.Unrelated, session.HandleResponse(answer.AsSpan(0, n)).Kind);
        Assert.Equal(TurnResponseKind.Unrelated, session.HandleResponse(new byte[] { 0x40, 0x00, 0x00, 0x00 }).Kind);
        Assert.Equal(TurnResponseKind.Unrelated, session.HandleResponse(answer).Kind); // not a transaction of this session
    }

    internal delegate void AttributeWriter(ref StunMessageWriter writer);

    internal static byte[] BuildAuthenticatedAllocate(TurnTestWorld world, byte transport) =>
        BuildAuthenticated(world, StunMethod.Allocate, (ref StunMessageWriter w) => RequestedTransportAttribute.TryWrite(ref w, transport));

    /// <summary>A request with valid long-term credentials for alice and whatever attributes the test writes.</summary>
    internal static byte[] BuildAuthenticated(TurnTestWorld world, StunMethod method, AttributeWriter attributes)
    {
        var buffer = new byte[512];
        var w = new StunMessageWriter(buffer, new StunMessageType(method, StunClass.Request), System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        attributes(ref w);
        UsernameAttribute.TryWrite(ref w, TurnTestWorld.User);
        RealmAttribute.TryWrite(ref w, "example.test");
        NonceAttribute.TryWrite(ref w, world.Engine.Nonces.Issue(world.Time.GetUtcNow()));
        w.TryWriteMessageIntegrity(StunCredentials.LongTermKey(TurnTestWorld.User, "example.test", TurnTestWorld.Password));
        return w.Written.ToArray();
    }

    internal static int Answer(TurnTestWorld world, TurnClientKey key, byte[] request)
    {
        world.Engine.OnClientPacket(key, request);
        Assert.Equal(StunError.None, StunMessageReader.TryParse(world.Io.ToClient[^1].Message, out var response));
        return ErrorCodeAttribute.Read(response, out int code, out _) == StunError.None ? code : 0;
    }
}
