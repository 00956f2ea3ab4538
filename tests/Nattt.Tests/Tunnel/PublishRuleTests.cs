using System.Net;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

public sealed class PublishRuleTests
{
    [Theory]
    [InlineData("10.0.0.2:tcp/80", "10.0.0.2:tcp/80")]
    [InlineData("10.0.0.0/24:udp/5000-5100", "10.0.0.0/24:udp/5000-5100")]
    [InlineData("10.0.0.2:icmp", "10.0.0.2:icmp")]
    [InlineData("10.0.0.2:ping", "10.0.0.2:icmp")]
    [InlineData("10.0.0.2:any", "10.0.0.2:any")]
    [InlineData("[fd00::2]:tcp/22", "[fd00::2]:tcp/22")]
    public void TryParse_ValidRule_RoundTripsToCanonicalText(string text, string canonical)
    {
        Assert.True(PublishRule.TryParse(text, out var rule, out var error), error);
        Assert.Equal(canonical, rule!.ToString());
    }

    [Theory]
    [InlineData("10.0.0.2")]
    [InlineData("10.0.0.2:tcp")]
    [InlineData("10.0.0.2:tcp/0")]
    [InlineData("10.0.0.2:tcp/90-80")]
    [InlineData("10.0.0.2:sctp/80")]
    [InlineData("10.0.0.2:icmp/8")]
    [InlineData("not-an-address:tcp/80")]
    public void TryParse_InvalidRule_FailsWithReason(string text)
    {
        Assert.False(PublishRule.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void ExposurePolicy_Default_PublishesNothing()
    {
        var policy = new ExposurePolicy([]);
        Assert.False(policy.Allows(IPAddress.Parse("10.0.0.2"), IpProtocol.Tcp, 80));
    }

    [Fact]
    public void ExposurePolicy_Rules_MatchOnlyHostProtocolAndPorts()
    {
        PublishRule.TryParse("10.0.0.0/30:tcp/80-81", out var web, out _);
        PublishRule.TryParse("10.0.0.9:icmp", out var ping, out _);
        var policy = new ExposurePolicy([web!, ping!]);
        Assert.True(policy.Allows(IPAddress.Parse("10.0.0.3"), IpProtocol.Tcp, 81));
        Assert.False(policy.Allows(IPAddress.Parse("10.0.0.4"), IpProtocol.Tcp, 80));
        Assert.False(policy.Allows(IPAddress.Parse("10.0.0.3"), IpProtocol.Tcp, 82));
        Assert.False(policy.Allows(IPAddress.Parse("10.0.0.3"), IpProtocol.Udp, 80));
        Assert.True(policy.Allows(IPAddress.Parse("10.0.0.9"), IpProtocol.Icmp, 1234));
        Assert.False(policy.Allows(IPAddress.Parse("10.0.0.9"), IpProtocol.Tcp, 1234));
    }
}
