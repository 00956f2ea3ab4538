using System.Net;
using Nattt.Stun.Wire;
using Nattt.Turn.Client;
using Nattt.Turn.Policy;
using Nattt.Turn.Server;

namespace Nattt.Tests.Turn;

/// <summary>CreatePermission, ChannelBind and the data path (RFC 8656 sections 9-12), driven without sockets.</summary>
public sealed class TurnPermissionTests
{
    private static (TurnTestWorld World, TestClient Client, TurnAllocation Allocation) Allocated(Action<Nattt.Turn.Config.TurnServerOptions>? configure = null)
    {
        var world = new TurnTestWorld(configure);
        var client = world.Client();
        Assert.Equal(TurnResponseKind.Success, client.Allocate().Kind);
        return (world, client, world.Engine.Find(client.Key)!);
    }

    [Theory]
    [InlineData("127.0.0.1", TurnPeerDenial.Loopback)]
    [InlineData("10.1.2.3", TurnPeerDenial.Private)]
    [InlineData("192.168.1.1", TurnPeerDenial.Private)]
    [InlineData("169.254.169.254", TurnPeerDenial.LinkLocal)]
    [InlineData("100.64.0.1", TurnPeerDenial.SharedAddressSpace)]
    [InlineData("0.0.0.0", TurnPeerDenial.Unspecified)]
    [InlineData("224.0.0.1", TurnPeerDenial.Multicast)]
    public void CreatePermission_DeniedPeer_Gets403AndIsCounted(string address, TurnPeerDenial reason)
    {
        var (world, client, allocation) = Allocated();
        var r = client.Permit(new IPEndPoint(IPAddress.Parse(address), 80));
        Assert.Equal(403, r.ErrorCode);
        Assert.Equal(1, world.Engine.Counters.PeerDenials[(int)reason]);
        Assert.Equal(0, allocation.PermissionCount);
    }

    [Fact]
    public void ChannelBind_DeniedPeer_Gets403()
    {
        var (world, client, _) = Allocated();
        Assert.Equal(403, client.Bind(0x4000, new IPEndPoint(IPAddress.Loopback, 3480)).ErrorCode);
        Assert.Equal(1, world.Engine.Counters.PeerDenials[(int)TurnPeerDenial.Loopback]);
    }

    [Fact]
    public void CreatePermission_OneDeniedAmongSeveral_InstallsNone()
    {
        var (_, client, allocation) = Allocated();
        var r = client.Permit(TurnTestWorld.Peer, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1));
        Assert.Equal(403, r.ErrorCode);
        Assert.Equal(0, allocation.PermissionCount);
    }

    [Fact]
    public void CreatePermission_OperatorAllowedPrivateRange_Succeeds()
    {
        var (_, client, _) = Allocated(o => o.AllowedPeers.Add(IPNetwork.Parse("10.9.0.0/16")));
        Assert.Equal(TurnResponseKind.Success, client.Permit(new IPEndPoint(IPAddress.Parse("10.9.1.1"), 5000)).Kind);
        Assert.Equal(403, client.Permit(new IPEndPoint(IPAddress.Parse("10.8.1.1"), 5000)).ErrorCode);
    }

    [Fact]
    public void CreatePermission_IPv6PeerOnIPv4Relay_Gets443()
    {
        var (_, client, _) = Allocated();
        Assert.Equal(443, client.Permit(new IPEndPoint(IPAddress.Parse("2001:db8::5"), 1)).ErrorCode);
    }

    [Fact]
    public void CreatePermission_WithoutAllocation_Gets437()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        client.Refresh(0);
        Assert.Equal(437, client.Permit(TurnTestWorld.Peer).ErrorCode);
    }

    [Fact]
    public void Send_WithPermission_ReachesPeer_WithoutPermission_IsDroppedAndCounted()
    {
        var (world, client, _) = Allocated();
        client.Send(TurnTestWorld.Peer, [1, 2, 3]);
        Assert.Empty(world.Io.ToPeer);
        Assert.Equal(1, world.Engine.Counters.Drops[(int)TurnDropReason.NoPermission]);
        client.Permit(TurnTestWorld.Peer);
        client.Send(TurnTestWorld.Peer, [1, 2, 3]);
        var sent = Assert.Single(world.Io.ToPeer);
        Assert.Equal(TurnTestWorld.Peer, sent.Peer);
        Assert.Equal(new byte[] { 1, 2, 3 }, sent.Data);
        Assert.Equal(3, world.Engine.Counters.BytesToPeer);
    }

    [Fact]
    public void Permission_IsPerAddress_AnyPortOfThePeerMayUseIt()
    {
        var (world, client, _) = Allocated();
        client.Permit(TurnTestWorld.Peer);
        client.Send(new IPEndPoint(TurnTestWorld.Peer.Address, 9999), [7]);
        Assert.Single(world.Io.ToPeer);
    }

    [Fact]
    public void Permission_After300Seconds_Expires()
    {
        var (world, client, allocation) = Allocated();
        client.Permit(TurnTestWorld.Peer);
        world.Time.Advance(TimeSpan.FromSeconds(299));
        Assert.NotNull(world.FromPeer(allocation, TurnTestWorld.Peer, [1]));
        world.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(world.FromPeer(allocation, TurnTestWorld.Peer, [1]));
        world.Engine.Tick();
        Assert.Equal(0, allocation.PermissionCount);
    }

    [Fact]
    public void PeerPacket_WithoutChannel_BecomesDataIndication()
    {
        var (world, client, allocation) = Allocated();
        client.Permit(TurnTestWorld.Peer);
        var framed = world.FromPeer(allocation, TurnTestWorld.Peer, [9, 8, 7, 6, 5])!;
        Assert.True(client.Session.TryReadData(framed, out var peer, out var data));
        Assert.Equal(TurnTestWorld.Peer, peer);
        Assert.Equal(new byte[] { 9, 8, 7, 6, 5 }, data.ToArray());
    }

    [Fact]
    public void PeerPacket_FromPeerWithoutPermission_IsDropped()
    {
        var (world, _, allocation) = Allocated();
        Assert.Null(world.FromPeer(allocation, TurnTestWorld.Peer, [1]));
        Assert.Equal(1, world.Engine.Counters.Drops[(int)TurnDropReason.NoPermission]);
    }

    [Fact]
    public void ChannelBind_ThenChannelData_GoesBothWays()
    {
        var (world, client, allocation) = Allocated();
        Assert.Equal(TurnResponseKind.Success, client.Bind(0x4001, TurnTestWorld.Peer).Kind);
        client.SendChannel(0x4001, [4, 2]);
        Assert.Equal(new byte[] { 4, 2 }, Assert.Single(world.Io.ToPeer).Data);
        var framed = world.FromPeer(allocation, TurnTestWorld.Peer, [1, 2, 3])!;
        Assert.Equal(StunPacketKind.ChannelData, StunFraming.Classify(framed));
        Assert.Equal(7, framed.Length); // UDP: no padding
        Assert.True(client.Session.TryReadData(framed, out var peer, out var data));
        Assert.Equal(TurnTestWorld.Peer, peer);
        Assert.Equal(new byte[] { 1, 2, 3 }, data.ToArray());
    }

    [Fact]
    public void ChannelData_OverTcp_IsPaddedToFourBytes()
    {
        var world = new TurnTestWorld();
        var client = world.Client(transport: TurnTransport.Tcp);
        client.Allocate();
        client.Bind(0x4001, TurnTestWorld.Peer);
        var framed = world.FromPeer(world.Engine.Find(client.Key)!, TurnTestWorld.Peer, [1, 2, 3])!;
        Assert.Equal(8, framed.Length);
    }

    [Theory]
    [InlineData(0x3FFF, true)]
    [InlineData(0x8000, true)]
    [InlineData(0xFFFF, true)]
    [InlineData(0x5000, false)]
    public void ChannelBind_NumberOutsideRange_Gets400(int number, bool rfc5766Range)
    {
        var (world, client, allocation) = Allocated(o => o.Rfc5766ChannelRange = rfc5766Range);
        var request = TurnAllocationTests.BuildAuthenticated(world, StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.TryWriteAttribute(StunAttributeType.ChannelNumber, new byte[] { (byte)(number >> 8), (byte)number, 0, 0 });
            XorPeerAddressAttribute.TryWrite(ref w, TurnTestWorld.Peer);
        });
        Assert.Equal(400, TurnAllocationTests.Answer(world, client.Key, request));
        Assert.Equal(0, allocation.ChannelCount);
    }

    [Fact]
    public void ChannelBind_Rfc5766Number_IsAcceptedByDefault_AsCoturnClientsUseIt()
    {
        var (world, client, _) = Allocated();
        Assert.Equal(TurnResponseKind.Success, client.Bind(0x7123, TurnTestWorld.Peer).Kind);
        var buffer = new byte[] { 0x71, 0x23, 0, 2, 9, 9 };
        world.Engine.OnClientPacket(client.Key, buffer);
        Assert.Equal(new byte[] { 9, 9 }, Assert.Single(world.Io.ToPeer).Data);
    }

    [Fact]
    public void ChannelBind_NumberBoundToAnotherPeer_Gets400()
    {
        var (_, client, _) = Allocated();
        Assert.Equal(TurnResponseKind.Success, client.Bind(0x4000, TurnTestWorld.Peer).Kind);
        Assert.Equal(400, client.Bind(0x4000, new IPEndPoint(TurnTestWorld.Peer.Address, 7001)).ErrorCode);
    }

    [Fact]
    public void ChannelBind_PeerBoundToAnotherNumber_Gets400()
    {
        var (_, client, _) = Allocated();
        Assert.Equal(TurnResponseKind.Success, client.Bind(0x4000, TurnTestWorld.Peer).Kind);
        Assert.Equal(400, client.Bind(0x4001, TurnTestWorld.Peer).ErrorCode);
    }

    [Fact]
    public void ChannelBind_SameBindingAgain_RefreshesIt()
    {
        var (world, client, allocation) = Allocated();
        client.Refresh(3600);
        client.Bind(0x4000, TurnTestWorld.Peer);
        world.Time.Advance(TimeSpan.FromSeconds(500));
        Assert.Equal(TurnResponseKind.Success, client.Bind(0x4000, TurnTestWorld.Peer).Kind);
        world.Time.Advance(TimeSpan.FromSeconds(500));
        world.Engine.Tick();
        Assert.Equal(1, allocation.ChannelCount);
    }

    [Fact]
    public void ChannelBinding_After600Seconds_ExpiresAndTheNumberCanBeBoundToAnotherPeer()
    {
        var (world, client, allocation) = Allocated();
        client.Refresh(3600);
        client.Bind(0x4000, TurnTestWorld.Peer);
        world.Time.Advance(TimeSpan.FromSeconds(601));
        client.SendChannel(0x4000, [1]);
        Assert.Equal(1, world.Engine.Counters.Drops[(int)TurnDropReason.NoChannel]);
        Assert.Equal(TurnResponseKind.Success, client.Bind(0x4000, new IPEndPoint(TurnTestWorld.Peer.Address, 7001)).Kind);
        world.Engine.Tick();
        Assert.Equal(1, allocation.ChannelCount);
    }

    [Fact]
    public void MaxBps_LimitsEachAllocationAndCountsDrops()
    {
        var (world, client, _) = Allocated(o => o.MaxBps = 1000);
        client.Permit(TurnTestWorld.Peer);
        for (int i = 0; i < 5; i++) client.Send(TurnTestWorld.Peer, new byte[400]);
        Assert.Equal(2, world.Io.ToPeer.Count);
        Assert.Equal(3, world.Engine.Counters.Drops[(int)TurnDropReason.RateLimited]);
        world.Time.Advance(TimeSpan.FromSeconds(1));
        client.Send(TurnTestWorld.Peer, new byte[400]);
        Assert.Equal(3, world.Io.ToPeer.Count);
    }

    [Fact]
    public void TooManyPermissions_Gets508()
    {
        var (_, client, _) = Allocated(o => o.MaxPermissionsPerAllocation = 2);
        Assert.Equal(TurnResponseKind.Success, client.Permit(new IPEndPoint(IPAddress.Parse("203.0.113.1"), 1)).Kind);
        Assert.Equal(TurnResponseKind.Success, client.Permit(new IPEndPoint(IPAddress.Parse("203.0.113.2"), 1)).Kind);
        Assert.Equal(508, client.Permit(new IPEndPoint(IPAddress.Parse("203.0.113.3"), 1)).ErrorCode);
    }
}
