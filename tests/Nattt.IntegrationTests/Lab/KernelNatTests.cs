using Nattt.Lab;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Lab;

/// <summary>The lab itself: a kernel NAT box built by <see cref="KernelNat"/> behaves as a home router.</summary>
public sealed class KernelNatTests(ITestOutputHelper output) : NamespaceTest(output, "lab-kernel-nat", Drawing)
{
    private const string Drawing = """
          client ---------- [ x: NAT ] ---------- server
        10.1.0.2/24     lan0 10.1.0.1  wan0 203.0.113.1    203.0.113.20/24
        """;

    private (LabHost client, LabHost nat, LabHost server) Build(NatMapping mapping)
    {
        var client = Net.AddHost("client");
        var nat = Net.AddHost("x");
        var server = Net.AddHost("server");
        Net.Link(client, "eth0", "10.1.0.2/24", nat, "lan0", "10.1.0.1/24");
        Net.Link(nat, "wan0", "203.0.113.1/24", server, "eth0", "203.0.113.20/24");
        client.DefaultRoute("10.1.0.1");
        nat.MakeNatRouter("wan0", mapping);
        return (client, nat, server);
    }

    [Fact]
    public void Masquerade_OutboundTcp_ServerSeesNatAddress()
    {
        var (client, _, server) = Build(NatMapping.PortPreserving);
        using var listener = server.Start("socat", "TCP-LISTEN:7000,reuseaddr", "SYSTEM:echo $SOCAT_PEERADDR");
        Thread.Sleep(300);
        var r = client.Exec("socat", ["-u", "TCP:203.0.113.20:7000,connect-timeout=5", "STDOUT"], TimeSpan.FromSeconds(10));
        Assert.True(r.Succeeded, r.StandardError);
        Assert.Equal("203.0.113.1", r.StandardOutput.Trim());
    }

    [Fact]
    public void Masquerade_UnsolicitedInbound_IsDropped()
    {
        var (_, _, server) = Build(NatMapping.PortPreserving);
        var r = server.Exec("socat", ["-u", "STDIN", "TCP:10.1.0.2:7000,connect-timeout=2"], TimeSpan.FromSeconds(5));
        Assert.False(r.Succeeded);
        var ping = server.Exec("ping", ["-c", "1", "-W", "1", "10.1.0.2"], TimeSpan.FromSeconds(5));
        Assert.False(ping.Succeeded);
    }

    [Fact]
    public void SymmetricNat_TwoDestinations_GetDifferentPorts()
    {
        var (client, nat, server) = Build(NatMapping.Symmetric);
        server.Ip("addr", "add", "203.0.113.21/24", "dev", "eth0");
        using var l1 = server.Start("socat", "-u", "UDP-RECVFROM:7001,bind=203.0.113.20", "SYSTEM:echo port=$SOCAT_PEERPORT >&2");
        using var l2 = server.Start("socat", "-u", "UDP-RECVFROM:7001,bind=203.0.113.21", "SYSTEM:echo port=$SOCAT_PEERPORT >&2");
        Thread.Sleep(300);
        client.Exec("socat", ["-u", "STDIN", "UDP:203.0.113.20:7001,sourceport=4000"], stdin: "a\n").EnsureSuccess();
        client.Exec("socat", ["-u", "STDIN", "UDP:203.0.113.21:7001,sourceport=4000"], stdin: "b\n").EnsureSuccess();
        Assert.True(l1.WaitForOutput("port=", TimeSpan.FromSeconds(5)), l1.Output);
        Assert.True(l2.WaitForOutput("port=", TimeSpan.FromSeconds(5)), l2.Output);
        var p1 = int.Parse(l1.Output.Trim().Split('=')[1]);
        var p2 = int.Parse(l2.Output.Trim().Split('=')[1]);
        Assert.NotEqual(p1, p2);
        var conntrack = nat.Exec("conntrack", "-L", "-p", "udp");
        Output.WriteLine(conntrack.StandardOutput);
    }

    [Fact]
    public void Dispose_AfterProcessesAndLinks_LeavesNothing()
    {
        var (client, _, _) = Build(NatMapping.PortPreserving);
        var sleeper = client.Start("sleep", "600");
        var pid = sleeper.Pid;
        Net.Dispose();
        Assert.Empty(Net.FindLeaks());
        Assert.False(Directory.Exists($"/proc/{pid}"), "the lab must kill the processes it started");
    }
}
