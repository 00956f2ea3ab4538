using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nattt.Turn.Auth;
using Nattt.Turn.Client;
using Nattt.Turn.Config;
using Nattt.Turn.Policy;
using Nattt.Turn.Server;

namespace Nattt.Tests.Turn;

/// <summary>The network as a list: what the engine sent to clients and peers, and relay ports handed out.</summary>
internal sealed class FakeTurnIo : ITurnServerIo
{
    private int _nextPort = 50000;
    public List<(TurnClientKey Client, byte[] Message)> ToClient { get; } = [];
    public List<(TurnAllocation Allocation, IPEndPoint Peer, byte[] Data)> ToPeer { get; } = [];
    public List<TurnAllocation> Closed { get; } = [];
    public int PortsLeft { get; set; } = int.MaxValue;
    public bool HasIPv6Relay { get; set; }

    public void SendToClient(in TurnClientKey client, ReadOnlySpan<byte> message) => ToClient.Add((client, message.ToArray()));
    public void SendToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> data) => ToPeer.Add((allocation, peer, data.ToArray()));
    public void CloseRelay(TurnAllocation allocation) => Closed.Add(allocation);
    public void StartRelay(TurnAllocation allocation) => Started.Add(allocation);
    public List<TurnAllocation> Started { get; } = [];

    public bool TryOpenRelay(AddressFamily family, bool evenPort, out IPEndPoint? relayed, out object? handle, out bool familyUnsupported)
    {
        relayed = null;
        handle = null;
        familyUnsupported = family == AddressFamily.InterNetworkV6 && !HasIPv6Relay;
        if (familyUnsupported || PortsLeft-- <= 0) return false;
        if (evenPort && (_nextPort & 1) == 1) _nextPort++;
        var address = family == AddressFamily.InterNetwork ? IPAddress.Parse("192.0.2.1") : IPAddress.Parse("2001:db8::1");
        relayed = new IPEndPoint(address, _nextPort++);
        handle = relayed;
        return true;
    }
}

/// <summary>A TURN server engine on a fake clock and fake network, with clients that talk to it in memory.</summary>
internal sealed class TurnTestWorld
{
    public const string User = "alice";
    public const string Password = "wonderland";
    public const string Secret = "north-secret";
    public static readonly IPEndPoint ServerAddress = new(IPAddress.Parse("192.0.2.1"), 3478);
    public static readonly IPEndPoint Peer = new(IPAddress.Parse("203.0.113.50"), 7000);

    public TurnTestWorld(Action<TurnServerOptions>? configure = null)
    {
        Options = new TurnServerOptions { Realm = "example.test" };
        Options.Users.Add($"{User}:{Password}");
        Options.Users.Add("bob:builder");
        Options.AllowDocumentationPeers = true;
        configure?.Invoke(Options);
        var users = new TurnUserDatabase();
        foreach (var u in Options.Users) users.TryAdd(u, out _);
        var stores = new List<ITurnCredentialStore> { users, new TurnSharedSecretAuth([Secret]) };
        Policy = new TurnPeerPolicy(Options.AllowedPeers, Options.DeniedPeers, Options.AllowDocumentationPeers);
        Engine = new TurnServerEngine(Options, new CombinedCredentialStore(stores), Policy, Io, Time, NullLogger.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    public FakeTurnIo Io { get; } = new();
    public TurnServerOptions Options { get; }
    public TurnPeerPolicy Policy { get; }
    public TurnServerEngine Engine { get; }

    public TestClient Client(string? user = User, string? password = Password, int port = 40000, TurnTransport transport = TurnTransport.Udp) =>
        new(this, new TurnClientKey(transport, new IPEndPoint(IPAddress.Parse("198.51.100.7"), port), ServerAddress), user, password);
}

/// <summary>One client: a <see cref="TurnClientSession"/> whose packets go straight into the engine.</summary>
internal sealed class TestClient(TurnTestWorld world, TurnClientKey key, string? user, string? password)
{
    private readonly byte[] _buffer = new byte[2048];
    public TurnClientKey Key { get; } = key;
    public TurnClientSession Session { get; } = new(user, password);

    /// <summary>Sends a request (again with the new nonce after 401/438) and returns the final answer.</summary>
    public TurnResponse Request(Func<TurnClientSession, byte[], int> write, bool retry = true)
    {
        for (int attempt = 0; ; attempt++)
        {
            var response = Exchange(write(Session, _buffer));
            if (response.Kind != TurnResponseKind.Retry || !retry || attempt == 3) return response;
        }
    }

    /// <summary>Sends raw bytes and reads the one response the engine gives.</summary>
    public TurnResponse Exchange(int length)
    {
        int before = world.Io.ToClient.Count;
        world.Engine.OnClientPacket(Key, _buffer.AsSpan(0, length));
        Assert.Equal(before + 1, world.Io.ToClient.Count);
        return Session.HandleResponse(world.Io.ToClient[^1].Message);
    }

    public TurnResponse Allocate(uint? lifetime = null) => Request((s, b) => s.WriteAllocate(b, lifetime: lifetime));
    public TurnResponse Refresh(uint lifetime) => Request((s, b) => s.WriteRefresh(b, lifetime));
    public TurnResponse Permit(params IPEndPoint[] peers) => Request((s, b) => s.WriteCreatePermission(b, peers));
    public TurnResponse Bind(ushort channel, IPEndPoint peer) => Request((s, b) => s.WriteChannelBind(b, channel, peer));

    public void Send(IPEndPoint peer, byte[] data)
    {
        int n = TurnClientSession.WriteSend(_buffer, peer, data);
        world.Engine.OnClientPacket(Key, _buffer.AsSpan(0, n));
    }

    public void SendChannel(ushort channel, byte[] data)
    {
        int n = TurnClientSession.WriteChannelData(_buffer, channel, data, Key.IsStream);
        world.Engine.OnClientPacket(Key, _buffer.AsSpan(0, n));
    }
}

internal static class TurnTestWorldExtensions
{
    /// <summary>Delivers a datagram from a peer to an allocation's relay, the way the host does (with headroom).</summary>
    public static byte[]? FromPeer(this TurnTestWorld world, TurnAllocation allocation, IPEndPoint peer, byte[] data)
    {
        var buffer = new byte[TurnServerEngine.PeerHeadroom + data.Length + TurnServerEngine.PeerTailroom];
        data.CopyTo(buffer, TurnServerEngine.PeerHeadroom);
        int before = world.Io.ToClient.Count;
        world.Engine.OnPeerPacket(allocation, peer, buffer, TurnServerEngine.PeerHeadroom, data.Length);
        return world.Io.ToClient.Count > before ? world.Io.ToClient[^1].Message : null;
    }
}
