using Nattt.Stun.Client;

namespace Nattt.Tests.Stun.Client;

/// <summary>The RFC 5780 discovery against every mapping x filtering combination of a virtual NAT.</summary>
public class StunBehaviourDiscoveryTests
{
    // Short timers: an unanswered test costs 3 x 10 ms + 2 x 10 ms. Outcomes only, never timings, are asserted.
    private static readonly StunRetransmissionPolicy Fast = new(TimeSpan.FromMilliseconds(10), 3, 2);

    public static IEnumerable<object[]> Matrix()
    {
        NatBehaviour[] behaviours = [NatBehaviour.EndpointIndependent, NatBehaviour.AddressDependent, NatBehaviour.AddressAndPortDependent];
        foreach (var m in behaviours) foreach (var f in behaviours) yield return [m, f];
    }

    private static Task<NatBehaviourReport> Run(VirtualNatNetwork net, StunBehaviourDiscoveryOptions? options = null) =>
        new StunBehaviourDiscovery(net, new StunBindingClient(TimeProvider.System, Fast), TimeProvider.System)
            .RunAsync(VirtualNatNetwork.ServerPrimary, options ?? new StunBehaviourDiscoveryOptions());

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task RunAsync_VirtualNat_ReportsConfiguredBehaviour(NatBehaviour mapping, NatBehaviour filtering)
    {
        var report = await Run(new VirtualNatNetwork(mapping, filtering));
        Assert.Null(report.Error);
        Assert.True(report.BehindNat);
        Assert.Equal(VirtualNatNetwork.Public, report.MappedAddress!.Address);
        Assert.Equal(mapping, report.Mapping);
        Assert.Equal(filtering, report.Filtering);
        Assert.False(report.Hairpinning);
    }

    [Fact]
    public async Task RunAsync_HairpinningNat_ReportsHairpinning()
    {
        var report = await Run(new VirtualNatNetwork(NatBehaviour.EndpointIndependent, NatBehaviour.EndpointIndependent, hairpinning: true));
        Assert.True(report.Hairpinning);
    }

    [Fact]
    public async Task RunAsync_NoNat_SaysSo()
    {
        var report = await Run(new VirtualNatNetwork(NatBehaviour.NoNat, NatBehaviour.EndpointIndependent));
        Assert.False(report.BehindNat);
        Assert.Equal(NatBehaviour.NoNat, report.Mapping);
        Assert.Null(report.Hairpinning);
    }

    [Fact]
    public async Task RunAsync_ServerWithoutRfc5780_MappedAddressOnlyAndANote()
    {
        var report = await Run(new VirtualNatNetwork(NatBehaviour.EndpointIndependent, NatBehaviour.EndpointIndependent, rfc5780: false));
        Assert.NotNull(report.MappedAddress);
        Assert.False(report.ServerSupportsRfc5780);
        Assert.Equal(NatBehaviour.Unknown, report.Mapping);
        Assert.Contains(report.Notes, n => n.Contains("RFC 5780"));
        Assert.Contains("mapped", NatBehaviourText.ToText(report), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RunAsync_NoServer_ErrorNotException()
    {
        var net = new VirtualNatNetwork(NatBehaviour.EndpointIndependent, NatBehaviour.EndpointIndependent);
        var report = await new StunBehaviourDiscovery(net, new StunBindingClient(TimeProvider.System, Fast), TimeProvider.System)
            .RunAsync(System.Net.IPEndPoint.Parse("192.0.2.77:3478"), new StunBehaviourDiscoveryOptions());
        Assert.NotNull(report.Error);
        Assert.Contains("\"error\"", NatBehaviourText.ToJson(report));
    }

    [Fact]
    public async Task RunAsync_Lifetime_VirtualNatNeverExpires_AtLeastTheMaximum()
    {
        var report = await Run(new VirtualNatNetwork(NatBehaviour.EndpointIndependent, NatBehaviour.AddressAndPortDependent),
            new StunBehaviourDiscoveryOptions { Lifetime = true, LifetimeMin = TimeSpan.FromMilliseconds(20), LifetimeMax = TimeSpan.FromMilliseconds(80) });
        Assert.True(report.BindingLifetimeMeasured);
        Assert.Equal(TimeSpan.FromMilliseconds(80), report.BindingLifetimeAtLeast);
        Assert.Null(report.BindingLifetimeAtMost);
    }

    [Fact]
    public void ToJson_Report_HasMachineReadableNames()
    {
        var json = NatBehaviourText.ToJson(new NatBehaviourReport
        {
            Server = VirtualNatNetwork.ServerPrimary, Mapping = NatBehaviour.AddressAndPortDependent, Filtering = NatBehaviour.EndpointIndependent,
        });
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("address-and-port-dependent", doc.RootElement.GetProperty("mapping").GetString());
        Assert.Equal("endpoint-independent", doc.RootElement.GetProperty("filtering").GetString());
    }
}
