using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Stun;

/// <summary>
/// `nattt stun` against `nattt stun-server` through the kernel's own NAT: the behaviour it reports must be the
/// behaviour the test configured (FACTS.md: masquerade filters address-and-port-dependently; port-preserving
/// masquerade maps endpoint-independently, `random,fully-random` address-and-port-dependently).
/// </summary>
public sealed class StunNatBehaviourTests(ITestOutputHelper output) : NamespaceTest(output, "stun-nat-behaviour", StunLab.Drawing)
{
    [Fact]
    public void NatttStun_PortPreservingMasquerade_EndpointIndependentMappingPortDependentFiltering()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server);
        var report = StunLab.RunNatttStun(client, $"{StunLab.ServerPrimary}:3478", Output);
        Assert.True(report.GetProperty("behindNat").GetBoolean());
        Assert.StartsWith(StunLab.NatPublic + ":", report.GetProperty("mappedAddress").GetString());
        Assert.True(report.GetProperty("rfc5780").GetBoolean());
        Assert.Equal("endpoint-independent", report.GetProperty("mapping").GetString());
        Assert.Equal("address-and-port-dependent", report.GetProperty("filtering").GetString());
        Assert.False(report.GetProperty("hairpinning").GetBoolean());
    }

    [Fact]
    public void NatttStun_SymmetricNat_AddressAndPortDependentMapping()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.Symmetric);
        using var stunServer = StunLab.StartNatttServer(server);
        var report = StunLab.RunNatttStun(client, $"{StunLab.ServerPrimary}:3478", Output);
        Assert.True(report.GetProperty("behindNat").GetBoolean());
        Assert.Equal("address-and-port-dependent", report.GetProperty("mapping").GetString());
        Assert.Equal("address-and-port-dependent", report.GetProperty("filtering").GetString());
    }

    [Fact]
    public void NatttStun_TextOutput_SaysBehaviourInWords()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server);
        var r = client.Exec(StunLab.Nattt, ["stun", StunLab.ServerPrimary, "--rto", "200", "--no-hairpin"], TimeSpan.FromSeconds(60));
        Output.WriteLine(r.StandardOutput);
        Assert.True(r.Succeeded, r.StandardError);
        Assert.Contains("you are behind a NAT", r.StandardOutput);
        Assert.Contains("NAT mapping:      endpoint-independent", r.StandardOutput);
        Assert.Contains("NAT filtering:    address-and-port-dependent", r.StandardOutput);
    }

    [Fact]
    public void NatttStun_LongTermCredentials_AnsweredOnlyWithTheRightPassword()
    {
        var (client, _, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        using var stunServer = StunLab.StartNatttServer(server, "--user", "alice:wonderland", "--realm", "example.org");
        var report = StunLab.RunNatttStun(client, StunLab.ServerPrimary, Output, "--no-hairpin", "--user", "alice", "--password", "wonderland");
        Assert.Equal("endpoint-independent", report.GetProperty("mapping").GetString());
        var refused = client.Exec(StunLab.Nattt, ["stun", StunLab.ServerPrimary, "--json", "--rto", "200", "--user", "alice", "--password", "guess"],
            TimeSpan.FromSeconds(30));
        Output.WriteLine(refused.StandardOutput);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("401", refused.StandardOutput);
    }

    [Fact]
    public void NatttStun_Lifetime_BracketsTheConntrackTimeout()
    {
        var (client, nat, server) = StunLab.Build(Net, NatMapping.PortPreserving);
        // conntrack's UDP timeouts are per network namespace: make the NAT forget idle bindings after 6 s.
        nat.Sysctl("net.netfilter.nf_conntrack_udp_timeout", "6");
        nat.Sysctl("net.netfilter.nf_conntrack_udp_timeout_stream", "6");
        using var stunServer = StunLab.StartNatttServer(server);
        var report = StunLab.RunNatttStun(client, $"{StunLab.ServerPrimary}:3478", Output,
            "--no-hairpin", "--lifetime", "--lifetime-min", "2", "--lifetime-max", "16");
        var lifetime = report.GetProperty("bindingLifetime");
        Assert.True(lifetime.GetProperty("measured").GetBoolean());
        double atLeast = lifetime.GetProperty("atLeastSeconds").GetDouble();
        double atMost = lifetime.GetProperty("atMostSeconds").GetDouble();
        Assert.InRange(atLeast, 2, 6);
        Assert.InRange(atMost, 6, 16);
    }
}
