using System.Text;
using Xunit;

namespace Microsoft.ML.Recurrent.Samples.Tests;

public class UsBirthsTests
{
    [Fact]
    public void Load_ReadsThePackageCsvInDayOrder()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("package/data/data.csv", Encoding.UTF8.GetBytes(
            "year,month,date_of_month,day_of_week,births\n1969,1,1,3,8486\n1969,1,2,4,9002\n1969,1,3,5,9542\n"));
        var days = UsBirths.Load(temp.Combine("package"));
        Assert.Equal([new DateOnly(1969, 1, 1), new DateOnly(1969, 1, 2), new DateOnly(1969, 1, 3)], days.Select(d => d.Date));
        Assert.Equal([8486f, 9002f, 9542f], days.Select(d => d.Births));
    }

    [Fact]
    public void Load_RejectsAMissingDayByDate()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("package/data/data.csv", Encoding.UTF8.GetBytes(
            "year,month,date_of_month,day_of_week,births\n1969,1,1,3,8486\n1969,1,3,5,9542\n"));
        var e = Assert.Throws<InvalidDataException>(() => UsBirths.Load(temp.Combine("package")));
        Assert.Contains("1969-01-03 follows 1969-01-01", e.Message);
        Assert.Throws<InvalidDataException>(() => UsBirths.Load(temp.Combine("nowhere")));
    }
}
