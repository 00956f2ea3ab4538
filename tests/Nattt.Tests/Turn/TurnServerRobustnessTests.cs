using CsCheck;
using Nattt.Stun.Wire;
using Nattt.Turn.Server;

namespace Nattt.Tests.Turn;

/// <summary>Hostile input: the engine never throws, never loses other clients' state, and counts the drops.</summary>
public sealed class TurnServerRobustnessTests
{
    [Fact]
    public void OnClientPacket_EveryTruncatedPrefixOfValidRequests_NeverThrowsAndKeepsAllocation()
    {
        var world = new TurnTestWorld();
        var victim = world.Client(port: 1);
        victim.Allocate();
        var attacker = world.Client(port: 2).Key;
        var requests = new[]
        {
            TurnAllocationTests.BuildAuthenticatedAllocate(world, 17),
            TurnAllocationTests.BuildAuthenticated(world, StunMethod.ChannelBind, (ref StunMessageWriter w) =>
            {
                ChannelNumberAttribute.TryWrite(ref w, 0x4000);
                XorPeerAddressAttribute.TryWrite(ref w, TurnTestWorld.Peer);
            }),
        };
        foreach (var request in requests)
            for (int n = 0; n < request.Length; n++)
                world.Engine.OnClientPacket(attacker, request.AsSpan(0, n));
        Assert.NotNull(world.Engine.Find(victim.Key));
        Assert.True(world.Engine.Counters.Drops[(int)TurnDropReason.Malformed] > 0);
    }

    [Fact]
    public void OnClientPacket_RandomBytes_NeverThrow()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        client.Bind(0x4000, TurnTestWorld.Peer);
        Gen.Byte.Array[0, 200].Sample(bytes => world.Engine.OnClientPacket(client.Key, bytes), iter: 20000);
        Gen.Byte.Array[4, 100].Select(b => { b[0] = 0x40; return b; })
            .Sample(bytes => world.Engine.OnClientPacket(client.Key, bytes), iter: 5000);
        Assert.NotNull(world.Engine.Find(client.Key));
    }

    [Fact]
    public void OnClientPacket_StunHeaderWithRandomAttributes_NeverThrows()
    {
        var world = new TurnTestWorld();
        var client = world.Client();
        client.Allocate();
        var gen = Gen.Select(Gen.UShort[0x0001, 0x000D], Gen.Byte.Array[0, 40].Array[0, 6]);
        gen.Sample((method, values) =>
        {
            var buffer = new byte[600];
            var w = new StunMessageWriter(buffer, (ushort)(method & 0x3EEF), new byte[12]);
            foreach (var v in values) w.TryWriteAttribute((StunAttributeType)(v.Length > 0 ? v[0] % 0x30 : 0x13), v);
            world.Engine.OnClientPacket(client.Key, w.Written);
        }, iter: 20000);
        Assert.NotNull(world.Engine.Find(client.Key));
    }
}
