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

/// <summary>The relaying paths allocate nothing per packet (counted with the runtime's per-thread allocation counter,
/// not timed): ChannelData both ways, Send indications in, Data indications out.</summary>
public sealed class TurnHotPathAllocationTests
{
    /// <summary>An I/O that only counts, so the measurement sees the engine's allocations alone.</summary>
    private sealed class CountingIo : ITurnServerIo
    {
        public int ToClient, ToPeer;
        public List<byte[]> Answers { get; } = [];
        public bool Record { get; set; } = true;
        public void SendToClient(in TurnClientKey client, ReadOnlySpan<byte> message) { ToClient++; if (Record) Answers.Add(message.ToArray()); }
        public void SendToPeer(TurnAllocation allocation, IPEndPoint peer, ReadOnlySpan<byte> data) => ToPeer++;
        public void StartRelay(TurnAllocation allocation) { }
        public void CloseRelay(TurnAllocation allocation) { }
        public bool TryOpenRelay(AddressFamily family, bool evenPort, out IPEndPoint? relayed, out object? handle, out bool familyUnsupported)
        {
            relayed = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 50000);
            handle = null;
            familyUnsupported = false;
            return true;
        }
    }

    [Fact]
    public void RelayPaths_AfterWarmUp_AllocateNothingPerPacket()
    {
        var options = new TurnServerOptions { Realm = "r", AllowDocumentationPeers = true, MaxBps = 1_000_000_000 };
        var users = new TurnUserDatabase();
        users.TryAdd("u:p", out _);
        var io = new CountingIo();
        var time = new FakeTimeProvider();
        var engine = new TurnServerEngine(options, users, new TurnPeerPolicy(allowDocumentation: true), io, time, NullLogger.Instance);
        var key = new TurnClientKey(TurnTransport.Udp, new IPEndPoint(IPAddress.Parse("198.51.100.7"), 4000), new IPEndPoint(IPAddress.Parse("192.0.2.1"), 3478));
        var peer = new IPEndPoint(IPAddress.Parse("203.0.113.9"), 7000);
        var other = new IPEndPoint(IPAddress.Parse("203.0.113.10"), 7000);
        var session = new TurnClientSession("u", "p");
        var buffer = new byte[2048];
        TurnResponse Ask(Func<TurnClientSession, byte[], int> write)
        {
            for (int i = 0; ; i++)
            {
                engine.OnClientPacket(key, buffer.AsSpan(0, write(session, buffer)));
                var r = session.HandleResponse(io.Answers[^1]);
                if (r.Kind != TurnResponseKind.Retry || i > 2) return r;
            }
        }
        Assert.Equal(TurnResponseKind.Success, Ask((s, b) => s.WriteAllocate(b)).Kind);
        Assert.Equal(TurnResponseKind.Success, Ask((s, b) => s.WriteChannelBind(b, 0x4000, peer)).Kind);
        Assert.Equal(TurnResponseKind.Success, Ask((s, b) => s.WriteCreatePermission(b, other)).Kind);
        io.Record = false;
        var allocation = engine.Find(key)!;
        var channelData = new byte[104];
        TurnClientSession.WriteChannelData(channelData, 0x4000, new byte[100], stream: false);
        var send = new byte[200];
        int sendLength = TurnClientSession.WriteSend(send, other, new byte[100]);
        var fromPeer = new byte[TurnServerEngine.PeerHeadroom + 100 + TurnServerEngine.PeerTailroom];

        void RelayBothWays()
        {
            engine.OnClientPacket(key, channelData);
            engine.OnClientPacket(key, send.AsSpan(0, sendLength));
            engine.OnPeerPacket(allocation, peer, fromPeer, TurnServerEngine.PeerHeadroom, 100);  // ChannelData out
            engine.OnPeerPacket(allocation, other, fromPeer, TurnServerEngine.PeerHeadroom, 100); // Data indication out
        }
        for (int i = 0; i < 100; i++) RelayBothWays(); // warm-up: JIT, tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) RelayBothWays();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2200, io.ToPeer);
        Assert.True(allocated < 1000, $"{allocated} bytes allocated for 4000 relayed packets");
    }
}
